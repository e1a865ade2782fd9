"""A client for one ad platform's audience endpoint: Meta Marketing API custom audiences
(`POST /{version}/{audience_id}/users` to add, `DELETE` the same to remove), on `requests`.

Each call sends one batch: `payload` = {"schema": ["EMAIL", "PHONE", "FN", "LN", "COUNTRY", "ZIP"],
"data": [[sha256, ...], ...]} (at most 10,000 rows, Meta's limit) and `session` = {"session_id",
"batch_seq", "last_batch_flag", "estimated_num_total"}, so Meta knows the batches of one upload belong
together. Transient refusals (HTTP 5xx, 429, Meta's rate-limit codes, `is_transient`, a lost connection)
are retried with a capped exponential backoff, honouring Retry-After; anything else raises at once.
See docs/adr/0036-ad-audience-platform-meta.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from campaigns.audiences.hashing import COLUMNS

log = logging.getLogger(__name__)

BATCH_SIZE = 10_000  # Meta's maximum rows per call
# Meta's throttling error codes (Graph API "Rate limiting"): application, user, ad account, custom audience.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80003})


class AudienceAPIError(Exception):
    """The platform refused a batch. `is_transient`: worth trying again later (throttled, down)."""

    def __init__(self, message: str, *, status: int | None = None, is_transient: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.is_transient = is_transient


class MetaAudienceClient:
    def __init__(
        self,
        *,
        access_token: str,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        session: requests.Session | None = None,
        max_attempts: int = 5,
        backoff: float = 1.0,
        backoff_cap: float = 30.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not access_token:
            raise ValueError("Meta: no access token configured (META_ADS_ACCESS_TOKEN).")
        self.access_token = access_token
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.http = session or requests.Session()
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.sleep = sleep

    def add_users(self, audience_id: str, rows: Sequence[Sequence[str]], **session: Any) -> dict[str, Any]:
        return self._users("POST", audience_id, rows, **session)

    def remove_users(self, audience_id: str, rows: Sequence[Sequence[str]], **session: Any) -> dict[str, Any]:
        return self._users("DELETE", audience_id, rows, **session)

    def _users(
        self,
        method: str,
        audience_id: str,
        rows: Sequence[Sequence[str]],
        *,
        session_id: int,
        batch_seq: int,
        last_batch: bool,
        estimated_total: int,
    ) -> dict[str, Any]:
        if not str(audience_id).isdigit():
            raise AudienceAPIError(f"Meta: the audience id must be a number, not {audience_id!r}.")
        if len(rows) > BATCH_SIZE:
            raise ValueError(f"Meta accepts at most {BATCH_SIZE} rows per call, not {len(rows)}.")
        form = {
            "payload": json.dumps({"schema": list(COLUMNS), "data": [list(r) for r in rows]}),
            "session": json.dumps(
                {
                    "session_id": session_id,
                    "batch_seq": batch_seq,
                    "last_batch_flag": last_batch,
                    "estimated_num_total": estimated_total,
                }
            ),
            "access_token": self.access_token,
        }
        url = f"{self.base_url}/{self.api_version}/{audience_id}/users"
        return self._request(method, url, form)

    def _request(self, method: str, url: str, form: dict[str, str]) -> dict[str, Any]:
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.http.request(method, url, data=form, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                failure = AudienceAPIError(f"Meta: {type(error).__name__}", is_transient=True)
                retry_after = None
            else:
                if response.status_code < 400:
                    return _json(response)
                failure = _error_of(response)
                retry_after = _retry_after(response)
            if not failure.is_transient or attempt == self.max_attempts:
                raise failure
            wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
            log.info("meta audience: %s, attempt %s, again in %.1fs", failure, attempt, wait)
            self.sleep(min(wait, self.backoff_cap))
        raise AssertionError("unreachable")  # pragma: no cover


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_of(response: requests.Response) -> AudienceAPIError:
    error = _json(response).get("error") or {}
    code = error.get("code")
    message = error.get("message") or response.reason or "error"
    transient = (
        response.status_code >= 500
        or response.status_code == 429
        or code in RATE_LIMIT_CODES
        or bool(error.get("is_transient"))
    )
    detail = f"Meta: HTTP {response.status_code}" + (f", code {code}" if code is not None else "")
    return AudienceAPIError(f"{detail}: {message}", status=response.status_code, is_transient=transient)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
