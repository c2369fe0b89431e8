"""Tests for fieldopt.travel: providers, matrix validation, file loaders and settings."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldopt.travel import (
    EARTH_RADIUS_M,
    Euclidean,
    Haversine,
    MatrixTravel,
    TravelMatrix,
    TravelProvider,
    UnknownLocationError,
    provider_from_settings,
)

# Paris (Notre-Dame area) and London (Charing Cross); great-circle distance ≈ 343.5 km.
PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
PARIS_LONDON_KM = 343.5


def reference_haversine_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Textbook haversine (full (n, n) formula), float metres, no road factor."""
    p, q = np.radians(lat), np.radians(lon)
    a = (
        np.sin((p[None, :] - p[:, None]) / 2) ** 2
        + np.cos(p)[:, None] * np.cos(p)[None, :] * np.sin((q[None, :] - q[:, None]) / 2) ** 2
    )
    d: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return d


@pytest.fixture
def three_sites() -> TravelMatrix:
    """A small asymmetric matrix with a non-zero diagonal entry (a user-supplied matrix)."""
    return TravelMatrix(
        ("A", "B", "C"),
        np.array([[0, 10, 20], [11, 5, 30], [21, 31, 0]]),
        np.array([[0, 100, 200], [110, 0, 300], [210, 310, 0]]),
    )


# --------------------------------------------------------------------------------------------
# Haversine
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("road_factor", [1.0, 1.3])
def test_haversine_paris_london_matches_known_distance(road_factor: float) -> None:
    m = Haversine(speed_kmh=40.0, road_factor=road_factor).matrix(
        ["paris", "london"], [PARIS[0], LONDON[0]], [PARIS[1], LONDON[1]]
    )
    expected_m = PARIS_LONDON_KM * 1000 * road_factor
    assert m.distance_m[0, 1] == pytest.approx(expected_m, rel=0.005)
    # duration = distance / (40 km/h = 40 / 3.6 m/s), rounded from the unrounded distance
    assert abs(m.duration_s[0, 1] - m.distance_m[0, 1] / (40 / 3.6)) <= 1
    assert m.duration_s.dtype == np.int64
    assert m.distance_m.dtype == np.int64


def test_haversine_symmetric_with_zero_diagonal() -> None:
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-80, 80, 60), rng.uniform(-180, 180, 60)
    m = Haversine().matrix([f"L{i}" for i in range(60)], lat, lon)
    np.testing.assert_array_equal(m.distance_m, m.distance_m.T)
    np.testing.assert_array_equal(m.duration_s, m.duration_s.T)
    assert not np.diag(m.distance_m).any()
    assert not np.diag(m.duration_s).any()


def test_haversine_speed_scales_duration_only() -> None:
    ids, lat, lon = ["p", "l"], [PARIS[0], LONDON[0]], [PARIS[1], LONDON[1]]
    slow = Haversine(speed_kmh=30).matrix(ids, lat, lon)
    fast = Haversine(speed_kmh=60).matrix(ids, lat, lon)
    np.testing.assert_array_equal(slow.distance_m, fast.distance_m)
    assert abs(slow.duration_s[0, 1] - 2 * fast.duration_s[0, 1]) <= 1


def test_haversine_triangle_inequality_up_to_rounding() -> None:
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(40, 50, 25), rng.uniform(-5, 10, 25)
    d = Haversine().matrix([str(i) for i in range(25)], lat, lon).distance_m
    via = d[:, :, None] + d[None, :, :]  # via[i, k, j] = d[i, k] + d[k, j]
    assert (d <= via.min(axis=1) + 1).all()


def test_haversine_antimeridian_and_antipodes() -> None:
    m = Haversine(road_factor=1).matrix(["w", "e", "x"], [0, 0, 0], [179.9, -179.9, 0])
    assert m.distance_m[0, 1] == pytest.approx(2 * math.pi * EARTH_RADIUS_M * 0.2 / 360, abs=1)
    assert m.distance_m[0, 2] == round(math.pi * EARTH_RADIUS_M * 179.9 / 180)
    poles = Haversine(road_factor=1).matrix(["n", "s"], [90, -90], [0, 0])
    assert poles.distance_m[0, 1] == round(math.pi * EARTH_RADIUS_M)


def test_haversine_many_locations_matches_textbook_formula() -> None:
    # More rows than one computation block, to exercise the blocking.
    rng = np.random.default_rng(11)
    n = 1100
    lat, lon = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    m = Haversine(road_factor=1.0).matrix([f"L{i}" for i in range(n)], lat, lon)
    ref = reference_haversine_m(lat, lon)
    assert np.abs(m.distance_m - ref).max() <= 0.5 + 1e-6
    np.testing.assert_array_equal(m.distance_m, m.distance_m.T)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ([0.0, 91.0], [0.0, 0.0], "latitude outside [-90, 90]: 'b' (91.0)"),
        ([0.0, 0.0], [-180.5, 0.0], "longitude outside [-180, 180]: 'a' (-180.5)"),
        ([0.0, math.nan], [0.0, 0.0], "lat is not finite for location(s) 'b'"),
        ([0.0], [0.0, 0.0], "lat must be 1-D with one value per id (expected shape (2,)"),
    ],
)
def test_haversine_rejects_bad_coordinates(
    lat: list[float], lon: list[float], message: str
) -> None:
    with pytest.raises(ValueError) as err:
        Haversine().matrix(["a", "b"], lat, lon)
    assert message in str(err.value)


def test_haversine_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match=r"Haversine\.speed_kmh must be a finite number > 0"):
        Haversine(speed_kmh=0)
    with pytest.raises(ValueError, match=r"Haversine\.road_factor must be a finite number >= 1"):
        Haversine(road_factor=0.9)
    with pytest.raises(ValueError, match=r"Haversine\.speed_kmh"):
        Haversine(speed_kmh=math.inf)


def test_providers_reject_duplicate_and_string_ids() -> None:
    with pytest.raises(ValueError, match="duplicate id"):
        Haversine().matrix(["a", "a"], [0, 1], [0, 1])
    with pytest.raises(TypeError, match="not a single string"):
        Haversine().matrix("ab", [0, 1], [0, 1])


def test_providers_satisfy_protocol(three_sites: TravelMatrix) -> None:
    for provider in (Haversine(), Euclidean(), MatrixTravel(three_sites)):
        assert isinstance(provider, TravelProvider)


@settings(max_examples=50, deadline=None, database=None)
@given(
    st.lists(
        st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)),
        min_size=1,
        max_size=30,
    ),
    st.floats(1, 130),
    st.floats(1, 2),
)
def test_haversine_property_symmetric_non_negative_bounded(
    points: list[tuple[float, float]], speed_kmh: float, road_factor: float
) -> None:
    lat, lon = zip(*points, strict=True)
    m = Haversine(speed_kmh, road_factor).matrix([f"p{i}" for i in range(len(points))], lat, lon)
    for mat in (m.distance_m, m.duration_s):
        np.testing.assert_array_equal(mat, mat.T)
        assert (mat >= 0).all()
        assert not np.diag(mat).any()
    half_circumference = math.pi * EARTH_RADIUS_M * road_factor
    assert (m.distance_m <= half_circumference + 1).all()


# --------------------------------------------------------------------------------------------
# Euclidean
# --------------------------------------------------------------------------------------------


def test_euclidean_3_4_5() -> None:
    m = Euclidean().matrix(["o", "p"], lat=[0, 4], lon=[0, 3])  # x = lon, y = lat
    np.testing.assert_array_equal(m.distance_m, [[0, 5], [5, 0]])
    np.testing.assert_array_equal(m.duration_s, [[0, 5], [5, 0]])
    scaled = Euclidean(speed=2, scale=10).matrix(["o", "p"], lat=[0, 4], lon=[0, 3])
    assert scaled.distance_m[0, 1] == 50
    assert scaled.duration_s[0, 1] == 25


def test_euclidean_rounds_half_up() -> None:
    m = Euclidean().matrix(["a", "b", "c"], lat=[0, 0, 0], lon=[0, 0.5, 2.5])
    assert m.distance_m[0, 1] == 1  # np.rint would give 0
    assert m.distance_m[0, 2] == 3  # np.rint would give 2
    assert m.distance_m[1, 2] == 2


def test_euclidean_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match=r"Euclidean\.speed must be a finite number > 0"):
        Euclidean(speed=-1)
    with pytest.raises(ValueError, match=r"Euclidean\.scale"):
        Euclidean(scale=0)


# --------------------------------------------------------------------------------------------
# TravelMatrix
# --------------------------------------------------------------------------------------------


def test_matrix_is_read_only_int64_and_keeps_diagonal(three_sites: TravelMatrix) -> None:
    assert three_sites.duration_s.dtype == np.int64
    assert three_sites.duration_s[1, 1] == 5  # user diagonal kept
    with pytest.raises(ValueError, match="read-only"):
        three_sites.duration_s[0, 1] = 3
    assert three_sites.index() == {"A": 0, "B": 1, "C": 2}


def test_matrix_subset_reorders_and_selects(three_sites: TravelMatrix) -> None:
    sub = three_sites.subset(["C", "A"])
    assert sub.ids == ("C", "A")
    np.testing.assert_array_equal(sub.duration_s, [[0, 21], [20, 0]])
    np.testing.assert_array_equal(sub.distance_m, [[0, 210], [200, 0]])


def test_matrix_subset_names_missing_ids(three_sites: TravelMatrix) -> None:
    with pytest.raises(UnknownLocationError) as err:
        three_sites.subset(["A", "Z", "Y"])
    assert isinstance(err.value, KeyError)
    assert err.value.missing == ("Z", "Y")
    assert str(err.value) == "travel matrix has no entry for 2 location id(s): 'Z', 'Y'"
    with pytest.raises(ValueError, match=r"TravelMatrix\.subset: duplicate id"):
        three_sites.subset(["A", "A"])


@pytest.mark.parametrize(
    ("ids", "duration", "distance", "message"),
    [
        (("a", "b"), [[0, 1]], [[0, 1], [1, 0]], "TravelMatrix.duration_s: expected shape (2, 2)"),
        (("a", "b"), [[0, 1], [1, 0]], [[0, -4], [1, 0]], "TravelMatrix.distance_m: 1 negative"),
        (("a", "b"), [[0, 1.5], [1, 0]], [[0, 1], [1, 0]], "expected an integer array"),
        (("a", "a"), [[0, 1], [1, 0]], [[0, 1], [1, 0]], "TravelMatrix.ids: duplicate id(s) 'a'"),
        (("a", ""), [[0, 1], [1, 0]], [[0, 1], [1, 0]], "ids must be non-empty strings"),
    ],
)
def test_matrix_validation_names_field(
    ids: tuple[str, ...], duration: Any, distance: Any, message: str
) -> None:
    with pytest.raises(ValueError) as err:
        TravelMatrix(ids, np.array(duration), np.array(distance))
    assert message in str(err.value)


def test_matrix_negative_error_names_pair() -> None:
    with pytest.raises(ValueError, match=r"at 'a -> b' \(first: -4\)"):
        TravelMatrix(("a", "b"), np.array([[0, -4], [1, 0]]), np.zeros((2, 2), dtype=int))


# --------------------------------------------------------------------------------------------
# MatrixTravel: CSV
# --------------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip_rounds_half_up(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "m.csv",
        "from_id,to_id,duration_s,distance_m\nD1,J1,60.5,1000\nJ1,D1,61.49,1001.5\nD1,D1,7,0\n",
    )
    provider = MatrixTravel.from_csv(csv)
    assert provider.table.ids == ("D1", "J1")
    np.testing.assert_array_equal(provider.table.duration_s, [[7, 61], [61, 0]])
    np.testing.assert_array_equal(provider.table.distance_m, [[0, 1000], [1002, 0]])
    m = provider.matrix(["J1", "D1"], lat=[0, 0], lon=[0, 0])  # coordinates ignored
    np.testing.assert_array_equal(m.duration_s, [[0, 61], [61, 7]])


def test_csv_without_distance_column_gives_zero_distances(tmp_path: Path) -> None:
    csv = write(tmp_path / "m.csv", "from_id,to_id,duration_s\na,b,5\nb,a,6\n")
    table = MatrixTravel.from_csv(csv).table
    np.testing.assert_array_equal(table.duration_s, [[0, 5], [6, 0]])
    assert not table.distance_m.any()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a,b,5,1\nb,a,x,1\n", "line 3, field duration_s: 'x' is not a finite number"),
        ("a,b,5,1\n\nb,a,6,-2\n", "line 4, field distance_m: -2 is negative"),
        ("a,b,5,1\nb,a,6,1\na,b,7,1\n", "line 4: duplicate pair a -> b (first given on line 2)"),
        ("a,b,5,1\nb,c,6,1\n", "pair(s) not given"),
        (",b,5,1\n", "line 2, field from_id: empty id"),
        ("a,b,5,1\nb, ,6,1\n", "line 3, field to_id: empty id"),
        ("a,b,nan,1\n", "line 2, field duration_s: 'nan' is not a finite number"),
        ("a,b,,1\n", "line 2, field duration_s: '' is empty"),
        ("a,b,5,1\nb,a,6,1,9\n", "Expected 4 fields in line 3, saw 5"),
    ],
)
def test_csv_errors_name_file_line_and_field(tmp_path: Path, body: str, message: str) -> None:
    csv = write(tmp_path / "bad.csv", "from_id,to_id,duration_s,distance_m\n" + body)
    with pytest.raises(ValueError) as err:
        MatrixTravel.from_csv(csv)
    assert str(csv) in str(err.value)
    assert message in str(err.value)


def test_csv_columns_in_any_order(tmp_path: Path) -> None:
    csv = write(tmp_path / "m.csv", "to_id,distance_m,from_id,duration_s\nb ,100,a,5\na,90, b,6 \n")
    table = MatrixTravel.from_csv(csv).table
    assert table.ids == ("a", "b")
    np.testing.assert_array_equal(table.duration_s, [[0, 5], [6, 0]])
    np.testing.assert_array_equal(table.distance_m, [[0, 100], [90, 0]])


def test_csv_rejects_unknown_and_missing_columns(tmp_path: Path) -> None:
    csv = write(tmp_path / "cols.csv", "from_id,to_id,distance\na,b,1\n")
    with pytest.raises(ValueError, match="missing 'duration_s'; unknown 'distance'"):
        MatrixTravel.from_csv(csv)


# --------------------------------------------------------------------------------------------
# MatrixTravel: .npy
# --------------------------------------------------------------------------------------------


def test_npy_durations_only_with_id_list(tmp_path: Path) -> None:
    path = tmp_path / "d.npy"
    np.save(path, np.array([[0.0, 9.5], [8.4, 0.0]]))
    table = MatrixTravel.from_npy(path, ["x", "y"]).table
    np.testing.assert_array_equal(table.duration_s, [[0, 10], [8, 0]])
    assert not table.distance_m.any()


def test_npy_durations_and_distances_with_id_file(tmp_path: Path) -> None:
    path = tmp_path / "dd.npy"
    stacked = np.stack([np.array([[0, 1, 2], [3, 0, 4], [5, 6, 0]]), np.full((3, 3), 100)])
    np.save(path, stacked)
    id_file = write(tmp_path / "dd.ids.txt", "x\n y \nz\n\n")
    provider = MatrixTravel.from_npy(path, id_file)
    m = provider.matrix(["z", "x"], [0, 0], [0, 0])
    np.testing.assert_array_equal(m.duration_s, [[0, 5], [2, 0]])
    np.testing.assert_array_equal(m.distance_m, [[100, 100], [100, 100]])


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((3, 3)), "expected shape (2, 2) or (2, 2, 2) for 2 ids, got (3, 3)"),
        (
            np.array([[0.0, -1.0], [1.0, 0.0]]),
            "durations: 1 negative value(s) at 'a -> b' (first: -1.0)",
        ),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), "durations: 1 non-finite value(s) at 'a -> b'"),
        (np.array([["0", "1"], ["1", "0"]]), "expected a numeric array"),
    ],
)
def test_npy_errors(tmp_path: Path, array: np.ndarray, message: str) -> None:
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(ValueError) as err:
        MatrixTravel.from_npy(path, ["a", "b"])
    assert str(path) in str(err.value)
    assert message in str(err.value)


# --------------------------------------------------------------------------------------------
# MatrixTravel: OSRM /table
# --------------------------------------------------------------------------------------------


def osrm_response(**overrides: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "code": "Ok",
        "durations": [[0, 812.4, 1503.5], [790.1, 0, 700], [1490.2, 690.6, 0]],
        "distances": [[0, 10234.6, 20120], [10110.2, 0, 9050.5], [20001, 9000.4, 0]],
        "sources": [{"location": [2.35, 48.85], "name": ""}] * 3,
        "destinations": [{"location": [2.35, 48.85], "name": ""}] * 3,
    }
    response.update(overrides)
    return response


def test_osrm_round_trip_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "table.json"
    path.write_text(json.dumps(osrm_response()), encoding="utf-8")
    table = MatrixTravel.from_osrm(path, ["d", "j1", "j2"]).table
    np.testing.assert_array_equal(table.duration_s, [[0, 812, 1504], [790, 0, 700], [1490, 691, 0]])
    np.testing.assert_array_equal(
        table.distance_m, [[0, 10235, 20120], [10110, 0, 9051], [20001, 9000, 0]]
    )


def test_osrm_without_distances_gives_zero_distances() -> None:
    response = osrm_response()
    del response["distances"]
    table = MatrixTravel.from_osrm(response, ["d", "j1", "j2"]).table
    assert table.duration_s[0, 1] == 812
    assert not table.distance_m.any()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"code": "InvalidQuery", "message": "Query string malformed close to position 28"},
            "OSRM code is 'InvalidQuery', expected 'Ok': Query string malformed",
        ),
        (
            {"durations": [[0, None, 1], [2, 0, 3], [4, None, 0]]},
            "'durations' has 2 null entries (OSRM found no route; unreachable): "
            "'d -> j1', 'j2 -> j1'",
        ),
        ({"durations": [[0, 1], [1, 0]]}, "'durations' must have 3 rows (one per id), got 2"),
        (
            {"distances": [[0, 1, 2], [1, 0], [2, 1, 0]]},
            "'distances' row 1 (j1) must have 3 entries, got 2",
        ),
        ({"durations": None}, "no 'durations'"),
        ({"durations": [[0, "1", 2], [1, 0, 2], [2, 1, 0]]}, "row 0 (d) has non-numeric entries"),
    ],
)
def test_osrm_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        MatrixTravel.from_osrm(osrm_response(**overrides), ["d", "j1", "j2"])
    assert message in str(err.value)


def test_matrix_travel_lists_ids_missing_from_matrix(three_sites: TravelMatrix) -> None:
    with pytest.raises(UnknownLocationError, match="2 location id\\(s\\): 'X', 'Y'"):
        MatrixTravel(three_sites).matrix(["A", "X", "Y"], [0, 0, 0], [0, 0, 0])


# --------------------------------------------------------------------------------------------
# provider_from_settings
# --------------------------------------------------------------------------------------------


def test_settings_default_is_haversine(tmp_path: Path) -> None:
    assert provider_from_settings({}, tmp_path) == Haversine()
    assert provider_from_settings(
        {"travel.speed_kmh": "50", "travel.road_factor": "1.2", "other.key": "x"}, tmp_path
    ) == Haversine(50.0, 1.2)
    assert provider_from_settings(
        {"travel.provider": " Euclidean ", "travel.speed": "2", "travel.scale": "10"}, tmp_path
    ) == Euclidean(2.0, 10.0)


def test_settings_load_matrix_files_relative_to_base_dir(tmp_path: Path) -> None:
    write(tmp_path / "m.csv", "from_id,to_id,duration_s\na,b,5\nb,a,6\n")
    csv_provider = provider_from_settings(
        {"travel.provider": "matrix_csv", "travel.matrix": "m.csv"}, tmp_path
    )
    assert isinstance(csv_provider, MatrixTravel)
    assert csv_provider.table.ids == ("a", "b")

    np.save(tmp_path / "m.npy", np.array([[0, 3], [4, 0]]))
    write(tmp_path / "ids.txt", "a\nb\n")
    npy_provider = provider_from_settings(
        {"travel.provider": "matrix_npy", "travel.matrix": "m.npy", "travel.ids": "ids.txt"},
        tmp_path,
    )
    assert npy_provider.matrix(["b", "a"], [0, 0], [0, 0]).duration_s[0, 1] == 4

    (tmp_path / "t.json").write_text(json.dumps(osrm_response()), encoding="utf-8")
    write(tmp_path / "ids3.txt", "d\nj1\nj2\n")
    osrm_provider = provider_from_settings(
        {"travel.provider": "osrm", "travel.matrix": "t.json", "travel.ids": "ids3.txt"}, tmp_path
    )
    assert osrm_provider.matrix(["j1", "j2"], [0, 0], [0, 0]).distance_m[0, 1] == 9051


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"travel.provider": "google"}, ValueError, "travel.provider: unknown provider 'google'"),
        (
            {"travel.speed_kmh": "fast"},
            ValueError,
            "travel.speed_kmh: expected a number, got 'fast'",
        ),
        ({"travel.speed_kmh": "-3"}, ValueError, "travel.speed_kmh: must be > 0"),
        ({"travel.road_factor": "0.5"}, ValueError, "travel.road_factor: must be >= 1"),
        ({"travel.speed_kmh": "nan"}, ValueError, "travel.speed_kmh: expected a finite number"),
        ({"travel.speed_kph": "40"}, ValueError, "travel.speed_kph: unknown setting"),
        (
            {"travel.scale": "2"},
            ValueError,
            "travel.scale: not used by travel.provider = haversine",
        ),
        ({"travel.provider": "matrix_csv"}, ValueError, "travel.matrix is required"),
        (
            {"travel.provider": "matrix_csv", "travel.matrix": "nope.csv"},
            FileNotFoundError,
            "travel.matrix: no such file",
        ),
        (
            {"travel.provider": "euclidean", "travel.speed": "0"},
            ValueError,
            "travel.speed: must be > 0",
        ),
    ],
)
def test_settings_errors_name_the_key(
    tmp_path: Path, values: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as err:
        provider_from_settings(values, tmp_path)
    assert message in str(err.value)
