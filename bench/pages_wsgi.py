"""The site as `docs/deploy.md` serves it, with Google's Calendar API faked (see fake_google.py).

gunicorn serves this module in the page bench, under the production settings;
only the product's HTTP client for Google differs.
"""

import fake_google

from meetings_site.wsgi import application

fake_google.install()

__all__ = ["application"]
