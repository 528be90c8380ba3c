"""The local web app (`ipt-expert serve`): the clinician's page, the trainee's page and a JSON API.

Starlette on uvicorn, server-rendered Jinja2 pages with htmx (shipped in
static/, never fetched). The pages and the API call the same library
functions as the CLI, all imported through library.py; nothing here reasons
about a case.

* settings.py  WebSettings (host, port, educator token and password hash, database URL, body limit)
* security.py  headers (CSP, nosniff, no referrer), the body limit, CSRF, errors without tracebacks
* app.py       create_app(settings, extra_routes): the routes, and those a higher layer adds

May import: every layer below it (``io`` to ``interview``), through library.py.
"""
