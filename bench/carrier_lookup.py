"""Finding a call by its carrier's id (an inbound webhook's replay check, a Telnyx event): the
`call.provider_call_id` index beside the JSON field it replaced, on the same table.

Fills one org with N calls through the project's own migrations, then times both queries.

    .venv/bin/python bench/carrier_lookup.py [--calls 50000] [--url postgresql+asyncpg://...]
"""

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from typing import Any

from common import percentile
from sqlalchemy import Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voxgate.db.migrate import upgrade
from voxgate.db.models import Call, Org

ROUNDS = 200


async def timed(engine: AsyncEngine, query: Select[Any]) -> list[float]:
    times = []
    async with engine.connect() as connection:
        for _ in range(ROUNDS):
            began = time.perf_counter()
            (await connection.execute(query)).all()
            times.append((time.perf_counter() - began) * 1000)
    return times


async def main(url: str, calls: int) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    org = str(uuid.uuid4())
    async with engine.begin() as connection:
        await connection.execute(insert(Org).values(id=org, name="bench"))
        for start in range(0, calls, 5000):
            rows = [{"id": str(uuid.uuid4()), "org_id": org, "type": "inboundPhoneCall",
                     "status": "ended", "provider_call_id": f"CA{n:032x}",
                     "data": json.loads(json.dumps({"phoneCallProviderId": f"CA{n:032x}"}))}
                    for n in range(start, min(calls, start + 5000))]  # fmt: skip
            await connection.execute(insert(Call), rows)
    wanted = f"CA{calls // 2:032x}"
    by_json = select(Call.id).where(
        Call.org_id == org, Call.data["phoneCallProviderId"].as_string() == wanted
    )
    by_index = select(Call.id).where(Call.org_id == org, Call.provider_call_id == wanted)
    async with engine.connect() as connection:
        assert (await connection.scalar(select(func.count()).select_from(Call)) or 0) >= calls
    json_ms, index_ms = await timed(engine, by_json), await timed(engine, by_index)
    await engine.dispose()
    for name, ms in (("JSON field", json_ms), ("index", index_ms)):
        print(f"{name:>10}: p50 {percentile(ms, 50):8.3f} ms  p99 {percentile(ms, 99):8.3f} ms")
    ratio = percentile(json_ms, 50) / percentile(index_ms, 50)
    print(f"     ratio: {ratio:.0f}x at p50 ({calls} calls)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50000)
    parser.add_argument("--url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(main(url, args.calls))
