"""Sessions: tests (unit, on every supported Python), lint, typecheck, release (build + twine check),
demo, bench, integration (the real Backend.AI stack)."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

#: the Pythons the package supports; `nox -s tests` runs each one present (`tests-3.12` runs one)
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Unit tests against the FakeManager on loopback (no network, no services), and the fake half
    of the conformance suite (its real half is skipped here: it runs in the integration session)."""
    session.install(".[test]")
    session.run("pytest", "tests/unit", "tests/conformance", "examples", "-m", "not integration", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    session.run("ruff", "check", "backendai_async", "tests", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "backendai_async", "tests", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install(".[test]", "mypy>=1.10")
    session.run("mypy", "--strict", "backendai_async")
    session.run("mypy", "--strict", "examples")
    session.run("mypy", "--strict", "tests/typing")  # the public names as a user's type checker sees them


@nox.session
def release(session: nox.Session) -> None:
    """Build the sdist and the wheel into a temporary directory and check them with twine."""
    session.install("build>=1", "twine>=5")
    out = session.create_tmp()
    session.run("python", "-m", "build", "--outdir", out)
    session.run("twine", "check", "--strict", *(os.path.join(out, name) for name in sorted(os.listdir(out))))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml, docs/) into site/; any warning fails the build."""
    session.install(".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def demo(session: nox.Session) -> None:
    """The quick-start demo: a real server if BACKEND_ENDPOINT is set, else an in-process FakeManager."""
    session.install(".")
    session.run("python", "examples/quickstart.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Figures: pipeline overhead vs plain aiohttp and import cost; a 20,000-call soak on loopback;
    then, on the real 26.9.6 stack (started for it and stopped), 256 MiB vfolder transfers and the
    load of 1,000 concurrent calls and 100 concurrent event streams. The soak and the load fail
    when memory is not flat or something is left open."""
    session.install(".")
    session.run("python", "tests/benchmarks/bench_pipeline.py")
    session.run("python", "tests/benchmarks/bench_soak.py")
    python = os.path.join(session.bin, "python")
    for script in ("tests/benchmarks/bench_transfer.py", "tests/benchmarks/bench_load.py"):
        env = {"PYTHON": python, "BAI_STACK_GENERATIONS": "26.09", "BAI_STACK_SCRIPT": script}
        session.run("bash", "tests/integration/run.sh", env=env, external=True)


@nox.session
def integration(session: nox.Session) -> None:
    """Start the real Backend.AI stack on loopback, run tests/integration and the conformance suite
    (tests/conformance, both backends), stop the stack; then a short second pass: the 26.9.6 stack
    serving https (BAI_STACK_TLS=1) and tests/integration/test_tls.py."""
    session.install(".[test]")
    python = os.path.join(session.bin, "python")
    session.run("bash", "tests/integration/run.sh", *session.posargs, env={"PYTHON": python}, external=True)
    tls = {"PYTHON": python, "BAI_STACK_TLS": "1", "BAI_STACK_GENERATIONS": "26.09"}
    session.run("bash", "tests/integration/run.sh", env=tls, external=True)
