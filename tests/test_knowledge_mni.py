"""MNI peaks read as anatomy (Harvard-Oxford through nibabel) and region neighbours."""

from __future__ import annotations

from brainweave.knowledge import mni


def test_known_coordinates_fall_in_their_regions() -> None:
    got = mni.label_peaks([(-26, -22, -14), (-12, 12, 8), (12, 12, 8), (24, 4, 2), (-40, 20, 30)])
    assert [p.words if p else None for p in got] == [
        "left hippocampus",
        "left caudate",
        "right caudate",
        "right putamen",
        "left middle frontal gyrus",
    ]
    assert got[0].region_id == "region:hippocampus" and got[0].atlas_label == "Left_Hippocampus"


def test_a_peak_outside_the_brain_has_no_region() -> None:
    assert mni.label_peaks([(60, -20, -60), (0, 200, 0)]) == [None, None]
    assert mni.label_peaks([]) == []


def test_peaks_described_in_words_most_first() -> None:
    peaks = [(-12, 12, 8), (-13, 14, 10), (-11, 11, 9), (24, 4, 2), (25, 5, 1), (-26, -22, -14)]
    assert mni.describe(peaks) == "left caudate (3), right putamen (2), left hippocampus (1)"


def test_neighbours_are_regions_that_touch() -> None:
    nb = mni.atlas().neighbours()
    assert nb["region:hippocampus"][:2] == ["region:parahippocampal-gyrus", "region:amygdala"]
    assert "region:putamen" in nb["region:caudate"]
    assert "region:occipital-pole" not in nb["region:caudate"]
