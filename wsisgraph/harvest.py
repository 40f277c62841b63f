"""Harvest a WordPress REST API collection (`https://www.itu.int/160/wp-json/wp/v2/pages`) into a folder of JSON files
that `build` reads: one file per item, named by its type and id (`page-584.json`).

Two passes, so that a second run fetches only what changed:
1. list the collection, light: `_fields=id,modified_gmt,type`, `per_page=100`, `page=1..X-WP-TotalPages`, in id
   order (so items published meanwhile land on the last page instead of shifting the others);
2. fetch, in batches of up to 100 (`include=id,id,...`), the items whose file is missing, unreadable, or holds
   another `modified_gmt` than the listing says.
Each item's own file is the record of what was fetched (no separate state to go stale: delete a file and the next
run fetches it again). Files are written to a hidden temporary file in the folder and renamed, so a file is whole or
absent, and `build` skips hidden files.

Polite: a User-Agent naming wsisgraph and its version, a delay between requests, a timeout per request, a deadline
for the whole run; 429 and 5xx answers, network errors and truncated bodies are retried with exponential backoff,
waiting at least what the server's Retry-After asks. Whatever could not be fetched is reported at the end on one
line (`HarvestError`, carrying the summary), after everything else has been written.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import WsisgraphError
from .load import is_wordpress_object

PER_PAGE = 100  # WordPress's maximum
RETRY_STATUSES = {429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524}
MAX_BACKOFF = 120.0


class HarvestError(WsisgraphError):
    """The collection cannot be harvested, or some of it could not be fetched (then `summary` says what was)."""

    def __init__(self, message: str, summary: "HarvestSummary | None" = None):
        super().__init__(message)
        self.summary = summary


@dataclass
class HarvestSummary:
    url: str
    out: Path
    listed: int = 0  # items the collection lists
    fetched: int = 0  # items written by this run (new or changed)
    unchanged: int = 0  # items whose file already holds the listed modified_gmt
    unlisted: int = 0  # files in `out` named like items of this type that the collection no longer lists (kept)
    requests: int = 0
    retries: int = 0
    missing: list[str] = field(default_factory=list)  # what could not be fetched, one entry per item or page
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.missing


class _Failure(Exception):
    """A request that failed for good (after its retries, or at once for a 4xx)."""


def default_user_agent() -> str:
    from . import __version__

    return f"wsisgraph/{__version__} (WSIS knowledge graph harvester; Python-urllib)"


def file_name(item: dict, fallback_type: str) -> str | None:
    """`{type}-{id}.json` for an item, or None when it has no usable id."""
    item_id = item.get("id")
    if isinstance(item_id, str) and item_id.isdigit():
        item_id = int(item_id)
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        return None
    kind = item.get("type") if isinstance(item.get("type"), str) and item.get("type") else fallback_type
    return f"{re.sub(r'[^A-Za-z0-9_-]+', '_', kind)}-{item_id}.json"


def _with_params(url: str, **params: Any) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=",")))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Client:
    """GET JSON with the politeness rules: delay, timeout, retries with backoff, Retry-After, a deadline."""

    def __init__(self, *, delay: float, timeout: float, deadline: float | None, retries: int, backoff: float,
                 user_agent: str, summary: HarvestSummary, on_notice: Callable[[str], None],
                 sleep: Callable[[float], None]):
        self.delay, self.timeout, self.retries, self.backoff = delay, timeout, retries, backoff
        self.user_agent, self.summary, self.on_notice, self.sleep = user_agent, summary, on_notice, sleep
        self.ends = None if deadline is None else time.monotonic() + deadline
        self.deadline = deadline
        self.last: float | None = None

    def left(self) -> float:
        return float("inf") if self.ends is None else self.ends - time.monotonic()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def get(self, url: str) -> tuple[Any, dict[str, str]]:
        """The parsed JSON body and the headers of a successful GET; `_Failure` when it cannot be had."""
        problem = ""
        for attempt in range(self.retries + 1):
            if self.left() <= 0:
                raise _Failure(f"the deadline of {self.deadline:g} s passed" + (f" ({problem})" if problem else ""))
            if self.last is not None:  # the delay between requests
                self._wait(min(self.delay - (time.monotonic() - self.last), self.left()))
            self.last = time.monotonic()
            self.summary.requests += 1
            wait = None
            try:
                request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                               "Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=min(self.timeout, max(self.left(), 0.001))) as response:
                    body = response.read()
                    headers = {k.lower(): v for k, v in response.headers.items()}
                try:
                    return json.loads(body.decode(response.headers.get_content_charset() or "utf-8")), headers
                except (UnicodeDecodeError, json.JSONDecodeError) as err:
                    # a proxy's error page or a body cut short without a Content-Length: worth another try
                    problem = f"not JSON ({err.__class__.__name__}: {err})"
            except urllib.error.HTTPError as err:
                problem = f"HTTP {err.code} {err.reason}"
                if err.code not in RETRY_STATUSES:
                    raise _Failure(problem) from None
                wait = _retry_after(err.headers.get("Retry-After") if err.headers else None)
            except http.client.IncompleteRead as err:
                problem = f"body cut short ({len(err.partial)} of {len(err.partial) + (err.expected or 0)} bytes)"
            except (urllib.error.URLError, http.client.HTTPException, socket.timeout, TimeoutError,
                    ConnectionError, OSError) as err:
                reason = getattr(err, "reason", err)
                if isinstance(reason, (socket.timeout, TimeoutError)):
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    problem = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
            if attempt == self.retries:
                break
            pause = min(self.backoff * 2 ** attempt, MAX_BACKOFF)
            if wait is not None:
                pause = max(pause, wait)
            if pause > self.left():
                raise _Failure(f"{problem}; the server asks to wait {pause:g} s, past the deadline")
            self.summary.retries += 1
            self.on_notice(f"{problem} from {url}; retrying in {pause:g} s ({attempt + 1} of {self.retries})")
            self._wait(pause)
        raise _Failure(f"{problem} after {self.retries + 1} tries")


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _stored_modified(path: Path) -> str | None:
    try:
        item = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return item.get("modified_gmt") if isinstance(item, dict) else None


def harvest(
    url: str,
    out: str | Path,
    *,
    delay: float = 1.0,
    timeout: float = 30.0,
    deadline: float | None = 3600.0,
    retries: int = 5,
    backoff: float = 1.0,
    per_page: int = PER_PAGE,
    user_agent: str | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HarvestSummary:
    """Fetch every item of the WordPress REST collection at `url` that is new or changed into `out`.

    `delay` seconds between requests, `timeout` seconds per request, `deadline` seconds for the whole run (None:
    none), `retries` more tries of a request that failed in a way worth retrying, the n-th after
    `backoff * 2**n` seconds (or the server's Retry-After, if longer). `on_progress(stage, done, total)` is called
    as the listing ("list", pages) and fetching ("fetch", items) go on; `on_notice(message)` for each retry.
    Returns the summary; raises `HarvestError` (with the summary) if anything could not be fetched, after writing
    all that could.
    """
    started = time.monotonic()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HarvestError(f"{url}: not an http(s) URL; give a WordPress REST collection such as "
                           "https://www.itu.int/160/wp-json/wp/v2/pages")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise HarvestError(f"{out}: cannot create the folder ({err.strerror or err})") from None
    summary = HarvestSummary(url=url, out=out)
    client = _Client(delay=delay, timeout=timeout, deadline=deadline, retries=retries, backoff=backoff,
                     user_agent=user_agent or default_user_agent(), summary=summary,
                     on_notice=on_notice or (lambda message: None), sleep=sleep)
    progress = on_progress or (lambda stage, done, total: None)
    fallback_type = re.sub(r"s$", "", parts.path.rstrip("/").rsplit("/", 1)[-1]) or "item"

    # 1. the listing
    listed: dict[str, dict] = {}  # file name -> {id, modified_gmt}
    page, pages = 1, None
    while pages is None or page <= pages:
        page_url = _with_params(url, per_page=per_page, page=page, orderby="id", order="asc",
                                _fields="id,modified_gmt,type")
        try:
            items, headers = client.get(page_url)
        except _Failure as err:
            if page == 1:
                raise HarvestError(f"{url}: cannot list the collection ({err})", summary) from None
            summary.missing.append(f"listing page {page} of {pages or '?'} ({err})")
            if pages is None:
                break
            page += 1
            continue
        if not isinstance(items, list):
            raise HarvestError(f"{page_url}: the answer is a JSON {type(items).__name__}, not a list; give the URL "
                               "of a WordPress REST collection such as https://www.itu.int/160/wp-json/wp/v2/pages",
                               summary)
        if pages is None:
            total_pages = headers.get("x-wp-totalpages", "")
            pages = int(total_pages) if total_pages.isdigit() else None
        for item in items:
            name = file_name(item, fallback_type) if isinstance(item, dict) else None
            if name is None:
                summary.missing.append(f"an item without an id on listing page {page}")
                continue
            listed[name] = {"id": int(item["id"]), "modified_gmt": item.get("modified_gmt")}
        progress("list", page, pages or page)
        if pages is None and len(items) < per_page:  # no X-WP-TotalPages: a short page is the last
            break
        page += 1
    summary.listed = len(listed)

    # 2. what changed
    todo = []
    for name, entry in listed.items():
        if entry["modified_gmt"] and _stored_modified(out / name) == entry["modified_gmt"]:
            summary.unchanged += 1
        else:
            todo.append(name)
    if not summary.missing:  # the whole collection was listed: files of items it no longer lists are known
        types = {name.rsplit("-", 1)[0] for name in listed}
        summary.unlisted = sum(1 for path in out.glob("*-*.json")
                               if path.name.rsplit("-", 1)[0] in types and path.name not in listed
                               and path.name.rsplit("-", 1)[1][:-5].isdigit())

    # 3. fetch them, up to per_page at a time
    progress("fetch", 0, len(todo))
    done = 0
    for start in range(0, len(todo), per_page):
        batch = todo[start:start + per_page]
        ids = {listed[name]["id"]: name for name in batch}
        batch_url = _with_params(url, include=",".join(map(str, ids)), per_page=per_page, orderby="include")
        try:
            items, _ = client.get(batch_url)
            if not isinstance(items, list):
                raise _Failure(f"the answer is a JSON {type(items).__name__}, not a list")
        except _Failure as err:
            summary.missing += [f"{name} ({err})" for name in batch]
            done += len(batch)
            progress("fetch", done, len(todo))
            continue
        got = set()
        for item in items:
            name = file_name(item, fallback_type) if isinstance(item, dict) else None
            if name not in batch or name in got:
                continue
            if not is_wordpress_object(item):
                summary.missing.append(f"{name} (not a page or post: no title.rendered or content.rendered)")
                got.add(name)
                continue
            try:
                _write_atomic(out / name, (json.dumps(item, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
            except OSError as err:
                raise HarvestError(f"{out / name}: cannot write ({err.strerror or err})", summary) from None
            got.add(name)
            summary.fetched += 1
        summary.missing += [f"{name} (not in the answer: deleted or made private since the listing?)"
                            for name in batch if name not in got]
        done += len(batch)
        progress("fetch", done, len(todo))
    summary.seconds = time.monotonic() - started
    if summary.missing:
        shown = "; ".join(summary.missing[:3]) + (f"; and {len(summary.missing) - 3} more" if len(summary.missing) > 3 else "")
        raise HarvestError(f"{url}: {len(summary.missing)} not fetched: {shown}; {summary.fetched} items fetched "
                           f"and {summary.unchanged} unchanged are in {out}; run harvest again for the rest", summary)
    return summary
