"""Flask extensions, created unbound and bound in ``create_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
# Strong protection would end the session on an IP change; a session-version check
# already ends sessions when it matters, and Okta users roam between networks.
login_manager.session_protection = "basic"

# In-memory by default: limits are per worker process. Set RATE_LIMIT_STORAGE to a Redis
# URL (redis://host:6379) when several workers should share them.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

# Settings are read per message (wizard/mail.py): the backend may change without a restart.
mail = Mail()
