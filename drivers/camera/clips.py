"""Face images and simulator clips built at run time from images inside installed packages.

No photograph is committed to this repository. The faces come from:
- scikit-image: `skimage/data/astronaut.png` (NASA portrait of Eileen Collins, public domain);
- matplotlib: `mpl-data/sample_data/grace_hopper.jpg` (US Navy portrait, public domain);
- insightface (wheel installed with --no-deps, only its data files are read, it is never
  imported): `data/images/t1.jpg` (six people) and `data/images/Tom_Hanks_54745.png`.

From them this module makes simulated document photos (`id_photo`: grey, 102x126, JPEG q60, as a
resident card's decoded photo looks; `dg2_jpeg`: a colour ICAO-style portrait for an eMRTD
emulator's DG2), live frames (scale, rotation, light, noise, JPEG), a synthetic head turn (a
depth-map warp: a plausible stand-in for a 3D turn, not a real one), a flat print tilted in front
of the camera (a plane's homography), and the scenario clips of the camera simulator.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.face import Box, FaceModels, shared_models

# identity name -> (package, path inside the package, index of the face, left to right)
_SOURCES: dict[str, tuple[str, str, int]] = {
    "astronaut": ("skimage", "data/astronaut.png", 0),
    "hopper": ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", 0),
    "hanks": ("insightface", "data/images/Tom_Hanks_54745.png", 0),
    **{f"group{i}": ("insightface", "data/images/t1.jpg", i) for i in range(6)},
}
FRAME_SIZE = (640, 480)


@dataclass(frozen=True)
class FaceImage:
    """A source portrait (BGR) and the box of its face; kept in memory only."""

    identity: str
    image: np.ndarray
    box: Box


def package_file(package: str, relative: str) -> Path:
    """A data file of an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{package} has no {relative}")
    return path


def identities() -> list[str]:
    """Identity names whose source package is installed."""
    names = []
    for name, (package, relative, _) in _SOURCES.items():
        try:
            package_file(package, relative)
        except FileNotFoundError:
            continue
        names.append(name)
    return names


@functools.cache
def _faces_in(package: str, relative: str) -> tuple[np.ndarray, tuple[Box, ...]]:
    image = cv2.imread(str(package_file(package, relative)), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot decode {package}/{relative}")
    boxes = shared_models().detect(image, width=0, upsample=0 if image.shape[1] > 200 else 1)
    return image, tuple(sorted(boxes, key=lambda b: b.left))


def face_image(identity: str) -> FaceImage:
    """The portrait of `identity`, cropped around its face with a margin."""
    package, relative, index = _SOURCES[identity]
    image, boxes = _faces_in(package, relative)
    box = boxes[index]
    margin = box.width
    padded = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
    x0, y0 = box.left, box.top  # in padded coordinates the box starts at left+margin
    crop = padded[y0 : y0 + box.height + 2 * margin, x0 : x0 + box.width + 2 * margin].copy()
    if crop.shape[1] > 360:  # big enough for a 640x480 frame; smaller is faster to warp
        scale = 360 / crop.shape[1]
        crop = cv2.resize(crop, (360, round(crop.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        margin, width, height = (round(v * scale) for v in (margin, box.width, box.height))
        return FaceImage(identity, crop, Box(margin, margin, width, height))
    return FaceImage(identity, crop, Box(margin, margin, box.width, box.height))


def _portrait(face: FaceImage, width: int, height: int) -> np.ndarray:
    """An ID-photo framing: the face about 60 % of the width, eyes a little above the middle."""
    box = face.box
    crop_w = box.width / 0.6
    crop_h = crop_w * height / width
    cx, cy = box.center
    top, bottom = cy - crop_h * 0.45, cy + crop_h * 0.55
    src = np.array(
        [[cx - crop_w / 2, top], [cx + crop_w / 2, top], [cx - crop_w / 2, bottom]], np.float32
    )
    dst = np.array([[0, 0], [width, 0], [0, height]], np.float32)
    matrix = cv2.getAffineTransform(src, dst)
    return cv2.warpAffine(
        face.image, matrix, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )


def id_photo(face: FaceImage, *, size: tuple[int, int] = (102, 126), quality: int = 60) -> bytes:
    """A simulated resident-card photo: grey, 102x126, JPEG q60 (as decoded WLT photos look)."""
    grey = cv2.cvtColor(_portrait(face, *size), cv2.COLOR_BGR2GRAY)
    return _jpeg(grey, quality)


def dg2_jpeg(identity: str = "astronaut", *, size: tuple[int, int] = (240, 320)) -> bytes:
    """A colour JPEG portrait for an eMRTD emulator's DG2 (ICAO-like framing)."""
    return _jpeg(_portrait(face_image(identity), *size), 85)


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def _background(rng: np.random.Generator, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    w, h = size
    base = rng.integers(90, 200, 3)
    gradient = np.linspace(0.8, 1.2, w, dtype=np.float32)[None, :, None]
    row = np.clip(gradient * base.astype(np.float32), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.broadcast_to(row, (h, w, 3)))


def head_turn(face: FaceImage, degrees: float) -> np.ndarray:
    """The portrait warped as if the head turned by `degrees` (positive: nose to image right).

    A depth map (an ellipsoid head plus a nose bump at the landmark) displaces each pixel by
    z * sin(angle): the nose moves further than the eyes, as it does on a real head.
    """
    if not degrees:
        return face.image
    image = face.image
    h, w = image.shape[:2]
    box = face.box
    cx, cy = box.center
    a, b = box.width * 0.62, box.height * 0.85
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    inside = 1.0 - ((xs - cx) / a) ** 2 - ((ys - cy) / b) ** 2
    depth = 0.5 * box.width * np.sqrt(np.clip(inside, 0, None))
    nose_x, nose_y = cx, box.top + box.height * 0.62
    sigma = box.width * 0.11
    depth += 0.3 * box.width * np.exp(-((xs - nose_x) ** 2 + (ys - nose_y) ** 2) / (2 * sigma**2))
    depth = cv2.GaussianBlur(depth, (0, 0), box.width * 0.03 + 0.5)
    shift = depth * math.sin(math.radians(degrees))
    src_x = xs.copy()
    for _ in range(4):  # invert x' = x + shift(x) by fixed-point iteration
        src_x = xs - cv2.remap(shift, src_x, ys, cv2.INTER_LINEAR)
    return cv2.remap(image, src_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def tilt_homography(width: int, height: int, yaw: float, pitch: float = 0.0) -> np.ndarray:
    """Homography of a flat picture of `width` x `height` rotated about its centre (degrees)."""
    f = 1.2 * max(width, height)
    ry, rx = math.radians(yaw), math.radians(pitch)
    rot_y = np.array([[math.cos(ry), 0, math.sin(ry)], [0, 1, 0], [-math.sin(ry), 0, math.cos(ry)]])
    rot_x = np.array([[1, 0, 0], [0, math.cos(rx), -math.sin(rx)], [0, math.sin(rx), math.cos(rx)]])
    rot = rot_y @ rot_x
    half_w, half_h = width / 2, height / 2
    corners = np.array(
        [[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]]
    )
    moved = corners @ rot.T + np.array([0, 0, 2.0 * f])
    projected = moved[:, :2] * 2.0 * f / moved[:, 2:3] + np.array([width / 2, height / 2])
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    return cv2.getPerspectiveTransform(src, projected.astype(np.float32))


def printed(face: FaceImage, yaw: float, pitch: float = 0.0) -> np.ndarray:
    """The portrait as a flat print held tilted (planar perspective warp)."""
    h, w = face.image.shape[:2]
    matrix = tilt_homography(w, h, yaw, pitch)
    # The print sits on a wall-coloured background; its border shows as a white frame.
    framed = cv2.copyMakeBorder(face.image, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=(245,) * 3)
    framed = cv2.resize(framed, (w, h))
    return cv2.warpPerspective(framed, matrix, (w, h), borderValue=(120, 130, 140))


def live_frame(
    portrait: np.ndarray,
    face: FaceImage,
    rng: np.random.Generator,
    *,
    face_px: float = 170.0,
    angle: float = 0.0,
    light: float = 1.0,
    noise: float = 4.0,
    quality: int = 80,
    offset: tuple[float, float] = (0.0, 0.0),
    size: tuple[int, int] = FRAME_SIZE,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """`portrait` (the face image, possibly warped) placed in a camera frame.

    The face is about `face_px` wide, rolled by `angle` degrees, lit by `light`, with sensor
    noise and a JPEG round trip.
    """
    w, h = size
    scale = face_px / face.box.width
    cx, cy = face.box.center
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    matrix[0, 2] += w / 2 + offset[0] - cx
    matrix[1, 2] += h * 0.45 + offset[1] - cy
    canvas = _background(rng, size) if background is None else background.copy()
    mask = np.full(portrait.shape[:2], 255, np.uint8)
    warped = cv2.warpAffine(portrait, matrix, (w, h), flags=cv2.INTER_LINEAR)
    warped_mask = cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_NEAREST)
    cv2.copyTo(warped, warped_mask, canvas)
    sensor = np.empty(canvas.shape, np.float32)
    cv2.randn(sensor, 0.0, float(noise))  # type: ignore[call-overload]
    out8 = cv2.convertScaleAbs(cv2.addWeighted(canvas.astype(np.float32), light, sensor, 1.0, 0.0))
    decoded = cv2.imdecode(np.frombuffer(_jpeg(out8, quality), np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError("JPEG round trip failed")
    return np.asarray(decoded)


# -- scenario clips for the camera simulator ----------------------------------------------------

SCENARIOS = ("genuine", "impostor", "no_face", "two_faces", "printed_photo", "dark")
TURN_DEGREES = 45.0


@dataclass
class Clip:
    """Frames of one scenario. A reactive clip has `turn_left` / `turn_right` segments that the
    simulator plays when the verifier asks for that turn (a person following the prompt);
    otherwise `front` loops."""

    name: str
    front: list[np.ndarray]
    turn_left: list[np.ndarray] | None = None
    turn_right: list[np.ndarray] | None = None


def _turn_segment(face: FaceImage, sign: float, rng: np.random.Generator) -> list[np.ndarray]:
    bg = _background(rng)
    ramp = [sign * TURN_DEGREES * i / 10 for i in range(1, 11)]  # about 0.4 s at 25 fps
    angles = ramp + [ramp[-1]] * 5 + ramp[::-1] + [0.0] * 3  # turn, hold, come back
    return [live_frame(head_turn(face, d), face, rng, background=bg) for d in angles]


def build_clip(
    scenario: str, identity: str = "astronaut", *, seed: int = 0, frames: int = 8
) -> Clip:
    """The frames of `scenario`; "impostor" shows another identity than `identity`."""
    rng = np.random.default_rng(seed)
    bg = _background(rng)
    if scenario in ("genuine", "impostor"):
        if scenario == "impostor":
            identity = "group0" if identity != "group0" else "astronaut"
        face = face_image(identity)
        front = [live_frame(face.image, face, rng, background=bg) for _ in range(frames)]
        return Clip(
            scenario,
            front,
            turn_left=_turn_segment(face, +1.0, rng),
            turn_right=_turn_segment(face, -1.0, rng),
        )
    if scenario == "no_face":
        noisy = [np.clip(bg + rng.normal(0, 4, bg.shape), 0, 255).astype(np.uint8) for _ in "ab"]
        return Clip(scenario, noisy)
    if scenario == "dark":
        face = face_image(identity)
        return Clip(scenario, [live_frame(face.image, face, rng, light=0.1) for _ in range(frames)])
    if scenario == "two_faces":
        a = face_image(identity)
        b = face_image(next(n for n in identities() if n != identity))
        out = []
        for _ in range(frames):
            frame = live_frame(a.image, a, rng, face_px=130, offset=(-150, 0), background=bg)
            out.append(live_frame(b.image, b, rng, face_px=130, offset=(150, 0), background=frame))
        return Clip(scenario, out)
    if scenario == "printed_photo":
        face = face_image(identity)
        yaws = [35 * math.sin(2 * math.pi * i / (3 * frames)) for i in range(3 * frames)]
        out = [live_frame(printed(face, y, 8.0), face, rng, background=bg) for y in yaws]
        return Clip(scenario, out)
    raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")


def models() -> FaceModels:
    """The shared face models (for callers that build clips and verify in one process)."""
    return shared_models()
