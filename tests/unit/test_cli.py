"""The command line: ``python -m geodata build|versions`` (geodata/__main__.py).

Tests that take ``new_workspace`` run twice: into a GeoPackage and into PostGIS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from geodata_inputs import (
    FACILITY_POINTS,
    area_frame,
    write_layer,
    write_region,
    write_table,
)
from workspace_backends import Workspace, workspace_exists, workspace_state

from geodata.__main__ import main
from geodata.store.workspace import latest_version, list_versions

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_build_prints_the_report_and_versions_lists(
    tmp_path: Path, new_workspace: Workspace, capsys
) -> None:
    recipe = write_region(tmp_path / "region")
    out = new_workspace
    code, stdout, stderr = _run(["build", recipe, "--out", out], capsys)
    assert (code, stderr) == (0, "")
    assert "Build report for recipe.toml" in stdout
    assert "[areas] areas.geojson: read 4, kept 4" in stdout
    assert "[population] pop.csv: read 5, kept 4, joined 4, unmatched 1" in stdout
    assert "unmatched: row 6: 999" in stdout
    assert "[insured] insured.csv: read 4, kept 4, joined 4" in stdout
    assert f"Saved {out} as version 1." in stdout

    code, stdout, _ = _run(
        ["build", recipe, "--out", out, "--author", "planner", "--message", "March"], capsys
    )
    assert code == 0 and "as version 2" in stdout

    code, stdout, stderr = _run(["versions", out], capsys)
    assert (code, stderr) == (0, "")
    lines = stdout.splitlines()
    assert lines[0].split()[:1] == ["version"]
    assert any(line.split()[:1] == ["1"] and "build from recipe.toml" in line for line in lines)
    assert any(
        line.split()[:1] == ["2"] and "planner" in line and "March" in line for line in lines
    )
    assert "areas 4" in stdout and "insured 4" in stdout


def test_check_writes_nothing(tmp_path: Path, new_workspace: Workspace, capsys) -> None:
    recipe = write_region(tmp_path / "region")
    out = new_workspace
    code, stdout, _ = _run(["build", recipe, "--out", out, "--check"], capsys)
    assert code == 0 and "nothing written" in stdout
    assert not workspace_exists(out)


def test_problems_are_listed_with_file_row_column(
    tmp_path: Path, new_workspace: Workspace, capsys
) -> None:
    population = [("tehran:m101", "44,406"), ("tehran:m102", "about 5000")]
    insured = [
        {"commune": "نازي آباد", "month": "2025-03", "insured_people": "99,999", "scheme": "health"}
    ]
    recipe = write_region(tmp_path / "region", population=population, insured=insured)
    out = new_workspace
    code, stdout, stderr = _run(["build", recipe, "--out", out], capsys)
    assert code == 0, stderr
    assert "[rejected] pop.csv, row 3, column 'value': not a number" in stdout
    assert "'about 5000'" in stdout
    assert "[warning] insured.csv, row 2, column 'insured_people': area 101" in stdout
    assert "above the population 44,406" in stdout
    assert latest_version(out) == 1


def _swap(folder: Path) -> None:
    rows = [
        {"id": f"F{i}", "name": "c", "type": "clinic", "latitude": x, "longitude": y}
        for i, (x, y) in enumerate(FACILITY_POINTS)
    ]
    write_table(rows, folder / "facilities.csv")


def _no_prj(folder: Path) -> None:
    write_layer(area_frame().drop(columns="pop"), folder, "shp", stem="areas")
    (folder / "areas.prj").unlink()
    recipe = folder / "recipe.toml"
    recipe.write_text(recipe.read_text("utf-8").replace("areas.geojson", "areas.shp"), "utf-8")


def _duplicate_ids(folder: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas.loc[3, "code"] = "102"
    write_layer(areas, folder, "geojson", stem="areas")


def _broken_toml(folder: Path) -> None:
    recipe = folder / "recipe.toml"
    recipe.write_text(
        recipe.read_text("utf-8").replace('key = "commune"', "key = commune"), "utf-8"
    )


def _unknown_section(folder: Path) -> None:
    recipe = folder / "recipe.toml"
    recipe.write_text(recipe.read_text("utf-8") + '\n[hospitals]\npath = "h.csv"\n', "utf-8")


def _unknown_column(folder: Path) -> None:
    recipe = folder / "recipe.toml"
    recipe.write_text(
        recipe.read_text("utf-8").replace("facility_id =", "facility_code ="), "utf-8"
    )


def _missing_file(folder: Path) -> None:
    (folder / "insured.csv").unlink()


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (_swap, ["facilities.csv", "swapped", "latitude", "longitude"]),
        (_no_prj, ["areas.shp", "no coordinate reference system", "crs ="]),
        (_duplicate_ids, ["duplicated area_id", "areas.geojson, row 2, column 'code'", "row 4"]),
        (_broken_toml, ["recipe.toml", "not valid TOML", "line", "column"]),
        (_unknown_section, ["unknown section", "hospitals"]),
        (_unknown_column, ["facility_code", "not columns of the facilities table"]),
        (_missing_file, ["File not found", "insured.csv"]),
    ],
    ids=[
        "swapped",
        "no-prj",
        "duplicate-ids",
        "broken-toml",
        "unknown-section",
        "unknown-column",
        "missing-file",
    ],
)
def test_user_mistakes_give_a_clear_error_and_change_nothing(
    tmp_path: Path, new_workspace: Workspace, capsys, breakage, expected: list[str]
) -> None:
    folder = tmp_path / "region"
    recipe = write_region(folder)
    out = new_workspace
    assert _run(["build", recipe, "--out", out], capsys)[0] == 0
    before = workspace_state(out)
    breakage(folder)
    code, stdout, stderr = _run(["build", recipe, "--out", out], capsys)
    assert code == 1
    assert stderr.startswith("error: ")
    assert "Traceback" not in stderr + stdout
    for word in expected:
        assert word in stderr
    assert workspace_state(out) == before
    assert [v.number for v in list_versions(out)] == [1]


def test_versions_of_a_missing_or_foreign_file(tmp_path: Path, capsys) -> None:
    code, _, stderr = _run(["versions", tmp_path / "nope.gpkg"], capsys)
    assert code == 1 and stderr.startswith("error: Workspace not found")
    (tmp_path / "notes.gpkg").write_text("hello")
    code, _, stderr = _run(["versions", tmp_path / "notes.gpkg"], capsys)
    assert code == 1 and "not a Coverage Atlas workspace" in stderr


def test_out_where_no_file_can_be_written(tmp_path: Path, capsys) -> None:
    recipe = write_region(tmp_path / "region")
    (tmp_path / "a-file").write_text("x")
    code, _stdout, stderr = _run(
        ["build", recipe, "--out", tmp_path / "a-file" / "ws.gpkg"], capsys
    )
    assert code == 1
    assert stderr.startswith("error: ") and "a-file" in stderr
    assert "Traceback" not in stderr


def test_real_process_has_no_traceback(tmp_path: Path) -> None:
    """``python -m geodata`` as a user runs it: exit code 1, one clear line, no traceback."""
    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[areas]\npath = "areas.geojson"\ncolumns = { area_id = code }\n', "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "geodata", "build", str(recipe), "--out", str(tmp_path / "ws.gpkg")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: recipe.toml: not valid TOML")
    assert "line 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "ws.gpkg").exists()


def test_real_process_builds_into_postgis(tmp_path: Path, postgis_url: str) -> None:
    """``python -m geodata build … --out postgresql://…`` and ``versions`` as a user runs them,
    against the test server (restore, compare and export: test_versions.py); a database that does
    not exist is one clear line."""
    recipe = write_region(tmp_path / "region")
    url = f"{postgis_url}?schema=cli_process"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geodata", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    built = run("build", str(recipe), "--out", url)
    assert built.returncode == 0, built.stderr
    assert f"Saved {url} as version 1." in built.stdout
    assert run("build", str(recipe), "--out", url, "--message", "again").returncode == 0
    listed = run("versions", url)
    assert listed.returncode == 0 and "again" in listed.stdout and "areas 4" in listed.stdout
    assert latest_version(url) == 2
    bad = run("versions", postgis_url.rsplit("/", 1)[0] + "/no_such_db")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: Cannot open the workspace database")
    assert "no_such_db" in bad.stderr and "Traceback" not in bad.stderr


def test_import_command_saves_a_version_and_prints_row_problems(tmp_path: Path, capsys) -> None:
    from geodata.__main__ import IMPORT_TABLE_CHOICES
    from geodata.store.workspace import read_workspace
    from geodata.uploads.mapping import IMPORT_TABLES

    assert IMPORT_TABLE_CHOICES == IMPORT_TABLES
    workspace = tmp_path / "ws.gpkg"
    assert _run(["build", write_region(tmp_path / "region"), "--out", workspace], capsys)[0] == 0
    rows = [
        {"code": f"W{i}", "title": f"Clinic {i}", "kind": "درمانگاه", "geom": f"POINT ({x} {y})"}
        for i, (x, y) in enumerate(FACILITY_POINTS)
    ]
    rows[1]["geom"] = "POINT (oops)"
    source = write_table(rows, tmp_path / "centres.csv")
    argv = ["import", workspace, source, "--table", "facilities", "--map", "code=facility_id"]
    code, out, err = _run([*argv, "--map", "title=name", "--map", "kind=type"], capsys)
    assert code == 1, err  # a row was rejected: the rest is saved, the status says so
    assert "geometry is not valid WKT" in out and "centres.csv" in out and "  3 " in out
    assert latest_version(workspace) == 2
    facilities = read_workspace(workspace)["facilities"]
    assert sorted(facilities["facility_id"]) == ["W0", "W2", "W3"]
    assert set(facilities["type"]) == {"clinic"}
    rows[1]["geom"] = "POINT (51.45 35.65)"
    write_table(rows, source)
    code, out, _ = _run([*argv, "--map", "title=name", "--map", "kind=type"], capsys)
    assert code == 0 and "version 3" in out
    assert len(read_workspace(workspace)["facilities"]) == 4


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--map", "nothing=name"], "no column 'nothing'"),
        (["--map", "title"], "FILE_COLUMN=WORKSPACE_COLUMN"),
        (["--map", "title=colour"], "'colour' is not a column of facilities"),
        ([], "no column for name, lat, lon"),
    ],
)
def test_import_command_mistakes_change_nothing(tmp_path: Path, capsys, extra, says) -> None:
    workspace = tmp_path / "ws.gpkg"
    _run(["build", write_region(tmp_path / "region"), "--out", workspace], capsys)
    source = write_table([{"code": "W1", "title": "a", "kind": "clinic"}], tmp_path / "c.csv")
    code, _, err = _run(
        ["import", workspace, source, "--table", "facilities", "--map", "code=facility_id", *extra],
        capsys,
    )
    assert code == 1 and says in err and "Traceback" not in err
    assert latest_version(workspace) == 1


def test_unexpected_failure_names_the_file(tmp_path: Path, capsys, monkeypatch) -> None:
    from geodata.uploads import workflow as I

    workspace = tmp_path / "ws.gpkg"
    _run(["build", write_region(tmp_path / "region"), "--out", workspace], capsys)
    source = write_table([{"partner_id": "X1", "name": "a"}], tmp_path / "odd.csv")

    def broken(*args, **kwargs):
        raise KeyError("wkt")

    monkeypatch.setattr(I, "prepare_import", broken)
    code, _, err = _run(["import", workspace, source, "--table", "partners"], capsys)
    assert code == 1 and err.startswith("error: odd.csv: ") and "KeyError" in err
    assert latest_version(workspace) == 1


def test_reset_demo_writes_the_demo_again(tmp_path: Path, capsys, demo_workspace) -> None:
    import shutil

    from geodata.sources.demo import holds_only_demo_data
    from geodata.store.workspace import read_workspace

    workspace = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_workspace, workspace)
    source = write_table([{"partner_id": "X1", "name": "Only one"}], tmp_path / "partners.csv")
    assert _run(["import", workspace, source, "--table", "partners"], capsys)[0] == 0
    assert not holds_only_demo_data(list_versions(workspace))
    code, out, _ = _run(["reset-demo", workspace, "--author", "ops"], capsys)
    assert code == 0 and "version 3" in out
    versions = list_versions(workspace)
    assert holds_only_demo_data(versions) and versions[-1].author == "ops"
    assert len(read_workspace(workspace)["partners"]) == len(
        read_workspace(demo_workspace)["partners"]
    )
    built = tmp_path / "real.gpkg"
    _run(["build", write_region(tmp_path / "region"), "--out", built], capsys)
    code, _, err = _run(["reset-demo", built], capsys)
    assert code == 1 and "not a demo workspace" in err
