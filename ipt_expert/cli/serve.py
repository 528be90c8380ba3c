"""`ipt-expert serve`: the web app (with the classroom) on uvicorn, on 127.0.0.1 unless another host is asked for."""
from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect to 127.0.0.1; any other address lets "
                   "the network in, and the start line says so.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the start page in the default browser.")
@click.option("--database", "database_url", metavar="URL",
              help="The classroom's database as an SQLAlchemy URL (default: SQLite in the user's data folder).")
@click.option("--educator-password-file", "password_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="A file whose first line is the educator's password (besides the start line's token).")
def serve(host, port, open_browser, database_url, password_file):
    """Start the local web app: the clinician's page, the trainee's page and the JSON API.

    The clinician's page (/case) is the inventory as a form with the ranking,
    flags, questions and pictures redrawn beside it; the trainee's page
    (/practice) is the vignette library with check's feedback; /api/ answers
    as the CLI's -f json does (/api/docs lists it). Nothing typed into the
    pages is stored on the server. The start line prints the educator's URL
    with a new token. Stop with Ctrl-C.

    \b
    Examples:
      ipt-expert serve --open
      ipt-expert serve --port 9000 --educator-password-file educator-password.txt
    """
    import sys

    import uvicorn

    from ipt_expert.classroom.app import create_app
    from ipt_expert.web.security import hash_password
    from ipt_expert.web.settings import WebSettings

    password_hash = None
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                password = handle.readline().strip()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {password_file}: {exc.strerror}",
                                     param_hint="'--educator-password-file'") from exc
        if not password:
            raise click.BadParameter(f"{password_file} has no password on its first line",
                                     param_hint="'--educator-password-file'")
        password_hash = hash_password(password)
    bound_port = port
    settings = WebSettings(host=host, port=port, educator_password_hash=password_hash, database_url=database_url)
    app = create_app(settings)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.should_exit:
                return
            nonlocal bound_port
            for server in getattr(self, "servers", []):
                for sock in server.sockets or ():
                    bound_port = sock.getsockname()[1]
                    break
            _announce(settings, bound_port, open_browser)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            server_header=False, date_header=False, lifespan="off")
    Server(config).run()
    sys.stdout.flush()


def _announce(settings, port: int, open_browser: bool) -> None:
    from dataclasses import replace

    from ipt_expert.io.output import echo

    shown = replace(settings, port=port)
    echo(f"ipt-expert serve: listening on {shown.base_url}  (clinician: {shown.base_url}/case, "
         f"trainee: {shown.base_url}/practice, API: {shown.base_url}/api/docs)")
    echo(f"educator: {shown.educator_url}")
    if not shown.loopback:
        echo(f"WARNING: listening on {settings.host}, not 127.0.0.1: other machines on the network can "
             "reach this server (plain HTTP, no encryption). Use --host 127.0.0.1 unless you mean it.")
    echo("Stop with Ctrl-C.")
    import sys
    sys.stdout.flush()
    if open_browser:
        import webbrowser
        webbrowser.open(f"{shown.base_url}/case")
