"""The `voxgate` command: serve, db upgrade, keys create, org server, openapi, call."""

import asyncio
import json
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
import uvicorn

from voxgate.config import get_settings

app = typer.Typer(
    help="voxgate: self-hosted voice AI with a Vapi-compatible API.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(org_app, name="org")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Apply migrations, then serve the API; SIGTERM lets live calls finish first."""
    from voxgate.logging import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_format)  # before pipecat's import logs a line
    from voxgate.app import create_app
    from voxgate.db.migrate import upgrade
    from voxgate.serve import DrainingServer

    upgrade()
    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        # uvicorn's lines go through logging.py's handler; each request's line is
        # observability/http.py's (it names the route and the org), not uvicorn's access log.
        log_config=None,
        access_log=False,
        # A call's socket carries raw audio, which per-message deflate barely shrinks at a
        # cost of CPU on every frame (7% of a loaded server in bench/calls.py); off.
        ws_per_message_deflate=False,
    )
    # SIGTERM drains the calls first (serve.py).
    DrainingServer(config, settings.drain_seconds).run()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from voxgate.db.migrate import upgrade

    upgrade()
    typer.echo("database is up to date")


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organization name (created if new).")] = "default",
    public: Annotated[
        bool,
        typer.Option("--public", help="A public (browser) key: it only creates websocket calls."),
    ] = False,
    allowed_origin: Annotated[
        list[str] | None,
        typer.Option(help="Public key: a page origin allowed to use it (repeat; none: any)."),
    ] = None,
    allowed_assistant: Annotated[
        list[str] | None,
        typer.Option(help="Public key: an assistant id it may call (repeat; none: any saved)."),
    ] = None,
    allow_transient_assistant: Annotated[
        bool,
        typer.Option(
            "--allow-transient-assistant", help="Public key: calls may bring their own assistant."
        ),
    ] = False,
) -> None:
    """Create an API key and print it on the last line; it is shown only this once."""
    from voxgate.auth.keys import create_key
    from voxgate.auth.restrictions import Restrictions, origin_of
    from voxgate.db.migrate import upgrade
    from voxgate.db.session import get_engine, get_sessionmaker

    restricted = bool(allowed_origin or allowed_assistant or allow_transient_assistant)
    if restricted and not public:
        raise typer.BadParameter(
            "restrictions are for public keys: add --public", param_hint="--public"
        )
    try:
        origins = tuple(dict.fromkeys(origin_of(url) for url in allowed_origin or ()))
        assistants = tuple(dict.fromkeys(str(UUID(given)) for given in allowed_assistant or ()))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    restrictions = Restrictions(origins, assistants, allow_transient_assistant)
    upgrade()

    async def make() -> str:
        async with get_sessionmaker()() as session:
            if public:
                key = await create_key(session, org, "public", restrictions)
            else:
                key = await create_key(session, org)
            await session.commit()
        await get_engine().dispose()
        return key

    key = asyncio.run(make())
    typer.echo(f"{'public' if public else 'private'} key for org '{org}' (shown once):")
    if public:
        typer.echo(f"restrictions: {json.dumps(restrictions.to_stored())}")
    typer.echo(key)


@org_app.command("server")
def org_server(
    org: Annotated[str, typer.Option(help="The organization's id or name.")],
    url: Annotated[str, typer.Option(help="Where its server messages go.")],
    secret: Annotated[
        str | None, typer.Option(help="Sent as X-Vapi-Secret with every message.")
    ] = None,
) -> None:
    """Set the org's server: it gets the server messages of assistants that name none."""
    from sqlalchemy import or_, select

    from voxgate.db.migrate import upgrade
    from voxgate.db.models import Org
    from voxgate.db.session import get_engine, get_sessionmaker

    upgrade()

    async def store() -> bool:
        async with get_sessionmaker()() as session:
            row = await session.scalar(select(Org).where(or_(Org.id == org, Org.name == org)))
            if row is not None:
                row.server = {"url": url, **({"secret": secret} if secret else {})}
                await session.commit()
        await get_engine().dispose()
        return row is not None

    if not asyncio.run(store()):
        typer.echo(f"no organization '{org}'", err=True)
        raise typer.Exit(1)
    typer.echo(f"server messages of org '{org}' go to {url}")


@app.command()
def openapi(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the document.")],
) -> None:
    """Write the OpenAPI document this server serves."""
    from voxgate.app import create_app
    from voxgate.kit.openapi import openapi_document

    document = openapi_document(create_app())
    output.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    typer.echo(f"wrote {output}")


@app.command()
def call(
    assistant_id: Annotated[str, typer.Argument(help="The assistant to talk to.")],
    say: Annotated[
        str | None, typer.Option("--say", help="Speak this text (with espeak-ng) and hang up.")
    ] = None,
    wav: Annotated[
        Path | None, typer.Option("--wav", help="Send this WAV file's speech and hang up.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Keep the reply in this WAV file.")
    ] = None,
    wait: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the greeting, then the reply.")
    ] = 30.0,
    stay: Annotated[
        bool, typer.Option("--stay", help="After the speech, stay until the call ends.")
    ] = False,
    url: Annotated[str, typer.Option(help="The voxgate server.")] = "http://localhost:8000",
    # The variable `voxgate serve` registers as a key at start-up: one setting serves both.
    api_key: Annotated[
        str | None,
        typer.Option(envvar="VOXGATE_API_KEY", help="A private API key."),
    ] = None,
) -> None:
    """Talk to an assistant: microphone and speaker, or --say / --wav; prints the transcript."""
    from voxgate.client.api import CallFailed
    from voxgate.client.call import Options, place_call

    if not api_key:
        raise typer.BadParameter("give --api-key or set VOXGATE_API_KEY", param_hint="--api-key")
    if say is not None and wav is not None:
        raise typer.BadParameter("give --say or --wav, not both", param_hint="--say")
    options = Options(assistant_id, url, api_key, say, wav, out, wait, stay)
    try:
        asyncio.run(place_call(options))
    except CallFailed as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


if __name__ == "__main__":  # `python -m voxgate.cli …`, as with the `voxgate` script
    app()
