"""``make demo`` ends by telling how to open the pages: the holder's key and the operator's
name and password it prints sign in, and the pages it names answer."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from tests.helpers import cli


def signed_in(app: object, **fields: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    form = client.get("/signin").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    done = client.post("/signin", data={"csrf": token.group(1), **fields})
    assert done.status_code == 303, done.text
    return client


def test_the_demo_prints_a_holder_and_an_operator_sign_in_that_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    told = cli(url, "demo").stdout
    key = re.search(r"API 密钥 / API key = (cl_sk_[\w-]+)", told)
    operator = re.search(r"用户名 name = ([\w-]+), 口令 password = (\S+?)（", told)
    quota = re.search(r"额度管理 / quota:\s+http://127\.0\.0\.1:8000(/lines/line_\w+)", told)
    assert key, told
    assert operator, told
    assert quota, told
    assert "/ops/" in told
    db = SqlDatabase.from_url(url)
    try:
        app = create_app(db, log_requests=False)
        holder = signed_in(app, key=key.group(1))
        page = holder.get(quota.group(1))
        assert page.status_code == 200
        assert "额度管理" in page.text
        staff = signed_in(app, name=operator.group(1), password=operator.group(2))
        assert staff.get("/").status_code == 200
    finally:
        db.dispose()
