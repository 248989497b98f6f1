"""The deployable packages: which diagrams, decision tables and forms go out together.

A package is deployed as one set of files keyed by file name, because a user task names its
form by file name (``formJsonSchemaFilename``). Adding a package is a list of files, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BPMN_ROOT",
    "COMPLAINTS_PACKAGE",
    "CSA_PACKAGE",
    "HMRC_PACKAGE",
    "PACKAGES",
    "Package",
    "package_files",
]

BPMN_ROOT = Path(__file__).resolve().parent.parent / "bpmn"


@dataclass(frozen=True)
class Package:
    name: str
    entry_process: str
    files: tuple[str, ...]  # paths relative to ``bpmn/``
    #: Start data field holding the UK division, checked at start (``workflows.start_checks``).
    division_field: str | None = "division"


def _forms(folder: str) -> tuple[str, ...]:
    return tuple(sorted(f"{folder}/forms/{p.name}"
                        for p in (BPMN_ROOT / folder / "forms").glob("*.schema.json")))


def _letters(folder: str) -> tuple[str, ...]:
    """The package's letter templates (``letters/*.md.j2``), deployed with its diagrams."""
    return tuple(sorted(f"{folder}/letters/{p.name}"
                        for p in (BPMN_ROOT / folder / "letters").glob("*.md.j2")))


_COMPLAINT_DIAGRAMS = ("journey", "intake", "dissatisfaction", "resolution", "review", "ice",
                       "phso", "appeal")
_SHARED_FORMS = tuple(f"complaints/forms/{name}.schema.json" for name in (
    "ice-papers", "ice-actions", "phso-response", "phso-actions"))

COMPLAINTS_PACKAGE = Package(
    name="complaints",
    entry_process="complaint_journey",
    files=(*(f"complaints/{d}.bpmn" for d in _COMPLAINT_DIAGRAMS), "complaints/triage.dmn",
           *_forms("complaints"), *_letters("complaints")),
)
CSA_PACKAGE = Package(
    name="csa-legacy",
    entry_process="csa_complaint",
    files=("csa/csa.bpmn", *_forms("csa"), *_SHARED_FORMS, *_letters("csa")),
)
HMRC_PACKAGE = Package(
    name="hmrc",
    entry_process="hmrc_complaint",
    files=("hmrc/hmrc.bpmn", "hmrc/ccast.bpmn", *_forms("hmrc"), *_letters("hmrc")),
)
PACKAGES: dict[str, Package] = {p.name: p for p in (COMPLAINTS_PACKAGE, CSA_PACKAGE,
                                                    HMRC_PACKAGE)}


def package_files(package: Package, root: Path = BPMN_ROOT) -> dict[str, bytes]:
    """File name -> content, ready for ``Engine.deploy``.

    Raises:
        ValueError: two files of the package share a file name.
    """
    files: dict[str, bytes] = {}
    for rel in package.files:
        name = Path(rel).name
        if name in files:
            raise ValueError(f"{package.name}: two files are named {name}")
        files[name] = (root / rel).read_bytes()
    return files
