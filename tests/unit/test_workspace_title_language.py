"""A workspace's title in the reader's language where the recipe gives one (``name_fa``...),
else its title as given; kept on later versions (issue #20)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from geodata.sources.recipe import build_workspace
from geodata.store.workspace import list_versions, read_workspace, save_version, version_title
from render.language import Language
from reports.documents import region_title


def region(tmp_path: Path, names: str) -> Path:
    areas = gpd.GeoDataFrame(
        {"code": ["1", "2"], "NAME": ["یک", "دو"], "pop": [100, 200]},
        geometry=[box(51.3, 35.6, 51.4, 35.7), box(51.4, 35.6, 51.5, 35.7)],
        crs="EPSG:4326",
    )
    areas.to_file(tmp_path / "areas.geojson", driver="GeoJSON")
    recipe = tmp_path / "region.toml"
    recipe.write_text(
        names
        + '[areas]\npath = "areas.geojson"\n'
        + 'columns = { area_id = "code", name = "NAME", population = "pop" }\n',
        encoding="utf-8",
    )
    return recipe


def test_title_in_the_readers_language_and_kept(tmp_path):
    recipe = region(tmp_path, 'name = "Tehran neighbourhoods"\nname_fa = "محله‌های تهران"\n')
    out = tmp_path / "ws.gpkg"
    build_workspace(recipe, out)
    (first,) = list_versions(out)
    assert version_title(first, "fa") == "محله‌های تهران"
    assert version_title(first, "vi") == "Tehran neighbourhoods"  # none given: as it is
    assert version_title(first, "en") == "Tehran neighbourhoods"
    # a later version (targets set, an import) keeps the titles
    tables = read_workspace(out, first.number)
    save_version(out, {"targets": tables["targets"]}, message="targets set")
    versions = list_versions(out)
    assert version_title(versions[-1], "fa") == "محله‌های تهران"
    assert region_title(str(out), versions, Language("fa")) == "محله‌های تهران"
    assert region_title(str(out), versions, Language("vi")) == "Tehran neighbourhoods"


def test_title_from_a_recipe_without_other_languages(tmp_path):
    recipe = region(tmp_path, 'name = "<b>Region</b>"\n')
    out = tmp_path / "ws.gpkg"
    build_workspace(recipe, out)
    (first,) = list_versions(out)
    assert version_title(first, "fa") == "<b>Region</b>"  # as given; pages escape it
