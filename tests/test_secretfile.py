import multiprocessing as mp
import stat

import pytest

from app.secretfile import read_or_create


def _race(path: str, n: int, out: "mp.Queue[str]") -> None:
    from pathlib import Path

    value, _ = read_or_create(Path(path), lambda: f"secret-{n}")
    out.put(value)


def test_creates_once_private_and_reads_back(tmp_path):
    path = tmp_path / "sub" / "key"
    value, created = read_or_create(path, lambda: "first")
    again, created_again = read_or_create(path, lambda: "second")
    assert (value, created) == ("first", True)
    assert (again, created_again) == ("first", False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left


def test_processes_starting_together_share_one_secret(tmp_path):
    path = tmp_path / "key"
    ctx = mp.get_context("fork")
    out: mp.Queue[str] = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(str(path), n, out)) for n in range(8)]
    for p in procs:
        p.start()
    values = [out.get(timeout=30) for _ in procs]
    for p in procs:
        p.join()
    assert len(set(values)) == 1
    assert path.read_text().strip() == values[0]


def test_an_empty_secret_file_is_an_error(tmp_path):
    path = tmp_path / "key"
    path.write_text("\n")
    with pytest.raises(ValueError, match="vacío"):
        read_or_create(path, lambda: "never")
