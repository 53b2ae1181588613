"""Keep the catalogues in step with the code: `python -m app.i18n.extract` (`make messages`).

Extracts every marked message (babel.cfg says where; `KEYWORDS` what marks one) into
`app/locales/messages.pot`, merges it into each `<lang>/LC_MESSAGES/messages.po`
(new messages empty, gone ones dropped) and compiles the `.mo` files;
`python -m app.i18n.extract compile` only compiles (the install step).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from app.i18n.catalogs import LOCALES_DIR, TEMPLATE, catalog_codes, po_path, read_catalog

ROOT = LOCALES_DIR.parent.parent
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    # The messages of errors, written where they are raised, translated where shown.
    "Invalid": (2,),
    "Conflict": (2,),
    "NotFound": (2,),
    "Forbidden": (2,),
    "DomainError": (2,),
    "ApiError": (3,),
    "NP_": ((1, "c"), 2),
}
WIDTH = 100


def _searched(path: str) -> bool:
    """Only the app's own code and templates (not the tests, the venv or .git)."""
    parts = Path(path).relative_to(ROOT).parts if Path(path).is_absolute() else Path(path).parts
    return bool(parts) and parts[0] == "app"


def extract(root: Path = ROOT) -> Catalog:
    """Every message the code and templates mark, as a template catalogue."""
    with (root / "babel.cfg").open(encoding="utf-8") as f:
        methods, options = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    template = Catalog(
        project="Common Ground",
        version="1.0",
        copyright_holder="Common Ground contributors",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        methods,
        options,
        KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
        directory_filter=_searched,
    ):
        template.add(
            message, None, [(f"app/{filename}", lineno)], auto_comments=comments, context=context
        )
    return template


def _undated(text: bytes) -> list[bytes]:
    return [line for line in text.splitlines() if b"-Date: " not in line]


def _write(catalog: Catalog, path: Path) -> None:
    """Write the catalogue, unless only its dates would change (no churn in git)."""
    f = io.BytesIO()
    write_po(
        f,
        catalog,
        width=WIDTH,
        no_location=True,
        sort_output=True,
        omit_header=False,
        ignore_obsolete=True,
    )
    if not path.exists() or _undated(path.read_bytes()) != _undated(f.getvalue()):
        path.write_bytes(f.getvalue())


def compile_all() -> None:
    """Each catalogue's `.mo` beside its `.po` (fuzzy entries left out)."""
    for code in catalog_codes():
        po = po_path(code)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, read_catalog(po, code), use_fuzzy=False)


def update() -> None:
    template = extract()
    _write(template, TEMPLATE)
    for code in catalog_codes():
        catalog = read_catalog(po_path(code), code)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(catalog, po_path(code))
    compile_all()


if __name__ == "__main__":
    compile_all() if sys.argv[1:] == ["compile"] else update()
