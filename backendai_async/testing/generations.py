"""Simulated Backend.AI server generations: what each manager release accepts and how it answers.

Every fact comes from the server contract (§1.4 accepted versions, §2.2 auth order, §3.1
``error_code``, §4.0 validation, §4.2 reuse status). ``GENERATIONS`` maps a short key to one
``Generation``; ``dataclasses.replace()`` makes a variant.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..versions import ApiVersion, manager_version_key

__all__ = ["GENERATIONS", "Generation"]


@dataclass(frozen=True)
class Generation:
    """One manager release as the fake server simulates it."""

    key: str
    #: what ``GET /`` reports as ``manager`` (absent before 19.03)
    manager_version: str
    #: what ``GET /`` reports as ``version``
    advertised: str
    #: the exact ``X-BackendAI-Version`` values accepted; anything else is a 400
    accepted: frozenset[str]
    #: ``/kernel`` (≤ 19.09) or ``/session``
    session_prefix: str
    #: status of a create that reused an existing session (200 up to 23.03, then 201)
    reuse_status: int
    #: error bodies carry ``error_code`` (25.8+)
    error_code: bool
    #: the date is checked first on every auth-required route, even unsigned (≤ 25.x)
    date_check_first: bool
    #: authentication runs before the version check (26.3+)
    auth_before_version: bool
    #: trafaret-era validation: unknown keys rejected, required query parameters (≤ 26.2)
    rejects_unknown_keys: bool
    #: the execute body key read for the run id: ``runId`` (≤ 25.5) or ``run_id`` (25.6+)
    run_id_key: str
    #: where the ``/session/{id}/…`` routes read their parameters (server-contract §4.0):
    #: ``"trafaret"`` (≤ 26.2: the body if there is one, else the query), ``"26.3"``, ``"26.4"``, ``"26.7"``
    param_era: str
    #: the GraphQL schema file (``testing/schemas/<name>.graphql``) of the nearest measured manager
    schema: str = "26.9.6"

    def at_least(self, release: str) -> bool:
        """Whether this manager is ``release`` (e.g. ``"22.03"``) or newer."""
        return manager_version_key(self.manager_version) >= manager_version_key(release)

    @property
    def reports_manager(self) -> bool:
        """``GET /`` has a ``manager`` key (since 19.03)."""
        return self.at_least("19.03")

    @property
    def has_gql(self) -> bool:
        """``POST /admin/gql`` exists (since v6.20210815, manager 21.09)."""
        return ApiVersion.parse(self.advertised) >= ApiVersion(6, "20210815")


_V1_TO_V3 = frozenset({"v1.20160915", "v2.20170315", "v3.20170615"})

# (release, versions added, versions removed): the accepted-set history of server-contract §1.4
_ACCEPTED_HISTORY: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = (
    ("18.12", _V1_TO_V3 | {"v4.20181215"}, frozenset()),
    ("19.03", frozenset({"v4.20190115", "v4.20190315"}), frozenset()),
    ("19.09", frozenset({"v4.20190615"}), frozenset()),
    ("20.03", frozenset({"v5.20191215"}), _V1_TO_V3),
    ("20.09", frozenset({"v6.20200815"}), frozenset()),
    ("21.09", frozenset({"v6.20210815"}), frozenset()),
    ("22.03", frozenset({"v6.20220315"}), frozenset()),
    ("22.09", frozenset({"v6.20220615"}), frozenset()),
    ("23.03", frozenset({"v6.20230315"}), frozenset()),
    ("23.09", frozenset({"v7.20230615"}), frozenset()),
    ("24.03", frozenset({"v8.20240315"}), frozenset()),
    ("24.09", frozenset({"v8.20240915"}), frozenset()),
    ("25.12", frozenset({"v9.20250722"}), frozenset()),
    ("26.3", frozenset({"v6.20221201"}), frozenset({"v6.20210815"})),
)
_NEVER_ADVERTISED = "v6.20221201"

# The eight measured schemas, by the release they were taken from. A generation uses the newest one
# not newer than itself (the oldest for releases before it), except that 25.14+ renamed ``Queries``
# to ``Query``: releases from 26.0 on use the 26.9.6 schema.
_SCHEMAS: tuple[tuple[str, str], ...] = (
    ("19.09", "19.09"),
    ("20.03", "20.03"),
    ("20.09", "20.09.20"),
    ("20.09.29", "20.09.29"),
    ("22.09", "22.09"),
    ("23.09", "23.09"),
    ("24.09", "24.09"),
    ("26.0", "26.9.6"),
)


def schema_for(manager_version: str) -> str:
    """The name of the measured schema nearest to ``manager_version``."""
    release = manager_version_key(manager_version)
    chosen = _SCHEMAS[0][1]
    for since, name in _SCHEMAS:
        if release >= manager_version_key(since):
            chosen = name
    return chosen


def _generation(key: str, manager_version: str) -> Generation:
    """Derive every switch of a generation from its manager release."""
    release = manager_version_key(manager_version)

    def since(version: str) -> bool:
        return release >= manager_version_key(version)

    accepted: frozenset[str] = frozenset()
    for step, added, removed in _ACCEPTED_HISTORY:
        if since(step):
            accepted = (accepted - removed) | added
    advertised = max(accepted - {_NEVER_ADVERTISED}, key=ApiVersion.parse)
    return Generation(
        key=key,
        manager_version=manager_version,
        advertised=advertised,
        accepted=accepted,
        session_prefix="/session" if since("20.03") else "/kernel",
        reuse_status=201 if since("23.09") else 200,
        error_code=since("25.8"),
        date_check_first=not since("26.0"),
        auth_before_version=since("26.3"),
        rejects_unknown_keys=not since("26.3"),
        run_id_key="run_id" if since("25.6") else "runId",
        schema=schema_for(manager_version),
        param_era="26.7" if since("26.7") else "26.4" if since("26.4") else "26.3" if since("26.3") else "trafaret",
    )


GENERATIONS: dict[str, Generation] = {
    gen.key: gen
    for gen in (
        _generation("18.12", "18.12.0"),
        _generation("19.09", "19.09.27"),
        _generation("20.03", "20.03.11"),
        _generation("20.09", "20.09.20"),
        _generation("21.09", "21.09.8"),
        _generation("22.09", "22.09.23"),
        _generation("23.03", "23.03.14"),
        _generation("23.09", "23.09.10"),
        _generation("24.09", "24.09.0"),
        _generation("25.12", "25.12.0"),
        _generation("26.3", "26.3.0"),
        _generation("26.9", "26.9.6"),
    )
}
