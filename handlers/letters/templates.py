"""Letter templates: package files (``letters/<CODE>.md.j2``), checked at deploy, rendered safely.

A template is Markdown produced by Jinja. It starts with a Jinja comment holding its catalogue
entry, one ``key: value`` a line::

    {#
    kind: letter            (letter | enclosure | partial | letterhead)
    form: RDL01             (form number printed in the footer; default: the code)
    rules: R20 R21          (the rules it serves, for the catalogue)
    enclosures: CMSB011     (enclosures it may carry; enclosures.py decides per case)
    team: Complaints Resolution Team   (signs the letter unless the case names a signatory)
    summary: tier-1 acknowledgement by post
    #}

Templates run in Jinja's sandbox with no access to Python objects beyond the declared fields
(``fields.py``). Output is Markdown, not HTML, so HTML autoescaping does not apply; instead
every value of the context is made one line (``_one_line``) so case text can never start a
heading, list or paragraph of its own, and the PDF renderer escapes it for its own markup.
"""

from __future__ import annotations

import ast
import hashlib
import re
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import CodeType
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    FunctionLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment

from engine.resources import ServiceCall
from handlers.letters.dates import long_date, money
from handlers.letters.fields import FIELDS, NESTED_FIELDS

__all__ = [
    "SUFFIX",
    "TemplateInfo",
    "check_package",
    "file_name",
    "render_markdown",
    "template_info",
]

SUFFIX = ".md.j2"
KINDS = frozenset({"letter", "enclosure", "partial", "letterhead"})
_META = re.compile(r"\A\s*\{#(.*?)#\}", re.S)
_CODE = re.compile(r"^[A-Za-z0-9_]+$")

Source = Callable[[str], str | None]


@dataclass(frozen=True)
class TemplateInfo:
    """A template's catalogue entry, read from its leading comment."""

    code: str
    kind: str
    form: str
    rules: tuple[str, ...]
    enclosures: tuple[str, ...]
    team: str
    summary: str


def file_name(code: str) -> str:
    if not _CODE.match(code):
        raise ValueError(f"letter code {code!r} may hold only letters, digits and _")
    return f"{code}{SUFFIX}"


def template_info(name: str, source: str) -> TemplateInfo:
    """The catalogue entry of template file ``name``; a template without one is refused."""
    code = name.removesuffix(SUFFIX)
    found = _META.match(source)
    if found is None:
        raise ValueError(f"{name}: starts with no {{# kind: … #}} comment describing the letter")
    entries: dict[str, str] = {}
    for line in found.group(1).splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{name}: '{line.strip()}' in the leading comment is not "
                                 "'key: value'")
            entries[key.strip().lower()] = value.strip()
    kind = entries.get("kind", "letter")
    if kind not in KINDS:
        raise ValueError(f"{name}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    return TemplateInfo(
        code=code, kind=kind, form=entries.get("form", code),
        rules=tuple(entries.get("rules", "").replace(",", " ").split()),
        enclosures=tuple(entries.get("enclosures", "").replace(",", " ").split()),
        team=entries.get("team", ""), summary=entries.get("summary", ""),
    )


def _printed(value: Any) -> Any:
    """How a value prints: dates as 27 March 2026, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, date):
        return long_date(value)
    return value


def _one_line(value: Any) -> Any:
    """Case text on one line, all the way down, so it can never start a block of its own."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, Mapping):
        return {k: _one_line(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_one_line(v) for v in value]
    return value


def _environment(source: Source, loader: BaseLoader | None = None) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=loader or FunctionLoader(source), autoescape=False, undefined=StrictUndefined,
        finalize=_printed, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
    )
    env.filters["long_date"] = long_date
    env.filters["money"] = money
    return env


# Compiling a template costs ~0.4 s for a letter with its partials; rendering, milliseconds.
# The compiled code is kept by file name and content hash (sha256), so an edited template in a
# new deployment is compiled afresh and an old deployment's cases keep their own wording. The
# code is environment-free: each render binds it to a new sandboxed environment whose loader
# reads the case's own deployment, so includes also resolve there.
_COMPILED: dict[tuple[str, str], CodeType] = {}
_COMPILED_MAX = 512
_LOCK = threading.Lock()
_compiler = _environment(lambda _name: None)


def _compiled(name: str, text: str) -> CodeType:
    key = (name, hashlib.sha256(text.encode("utf-8")).hexdigest())
    code = _COMPILED.get(key)
    if code is None:
        code = _compiler.compile(text, name, name)
        with _LOCK:  # web threads and the scheduler render letters at once
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))  # the oldest: deployments come and go
            _COMPILED[key] = code
    return code


class _DeploymentLoader(BaseLoader):
    """Templates of one deployment (``source``), built from cached compiled code."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def load(self, environment: Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> Template:
        text = self.source(name)
        if text is None:
            raise TemplateNotFound(name)
        return environment.template_class.from_code(
            environment, _compiled(name, text), environment.make_globals(globals), None)


def render_markdown(source: Source, code: str, context: Mapping[str, Any]) -> str:
    """Render template ``code`` from ``source`` (file name -> text) with ``context``.

    Raises:
        ValueError: no such template, or it failed on this case's data.
    """
    name = file_name(code)
    if source(name) is None:
        raise ValueError(f"the deployment has no template {name}")
    try:
        env = _environment(source, _DeploymentLoader(source))
        return env.get_template(name).render(_one_line(dict(context)))
    except TemplateError as exc:
        raise ValueError(f"{name}: {exc.message or exc.__class__.__name__}") from exc


# -- deploy-time checks --------------------------------------------------------------------

def _assigned(tree: nodes.Template) -> set[str]:
    return {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}


def _field_errors(name: str, tree: nodes.Template, known: set[str]) -> Iterator[str]:
    for var in sorted(meta.find_undeclared_variables(tree)):
        if var not in FIELDS and var not in known:
            yield f"{name}: refers to field '{var}', which no case has"
    local = _assigned(tree)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            yield f"{name}: reads '{node.attr}', and a letter may not read private attributes"
            continue
        owner = node.node
        if not isinstance(owner, nodes.Name) or owner.name in local:
            continue
        allowed = NESTED_FIELDS.get(owner.name)
        if isinstance(node, nodes.Getattr):
            attr: object = node.attr
        elif isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        else:
            continue
        if allowed is not None and attr not in allowed:
            yield f"{name}: refers to field '{owner.name}.{attr}', which no case has"


def _literal(expression: str | None) -> Any:
    try:
        return ast.literal_eval(expression) if expression else None
    except (ValueError, SyntaxError):
        return None  # worked out from case data at run time: checked when it runs


def check_package(files: Mapping[str, bytes], calls: Sequence[ServiceCall]) -> None:
    """Refuse a package whose letters could not be written for a case (deploy check).

    Raises:
        ValueError: a template does not parse, names a field no case has, includes a missing
            template, or a ``letters.send`` task names a letter or enclosure with no template.
    """
    sources = {n: c.decode("utf-8") for n, c in files.items() if n.endswith(SUFFIX)}
    env = _environment(sources.get)
    infos: dict[str, TemplateInfo] = {}
    errors: list[str] = []
    for name, text in sorted(sources.items()):
        try:
            infos[name.removesuffix(SUFFIX)] = template_info(name, text)
            tree = env.parse(text, name)
        except TemplateSyntaxError as exc:
            errors.append(f"{name} line {exc.lineno}: {exc.message}")
            continue
        except ValueError as exc:
            errors.append(str(exc))
            continue
        errors.extend(_field_errors(name, tree, set(env.globals)))
        errors.extend(f"{name}: includes {ref}, which is not in the package"
                      for ref in meta.find_referenced_templates(tree)
                      if ref is not None and ref not in sources)
    for info in infos.values():
        errors.extend(f"{info.code}{SUFFIX}: encloses {enc}, which has no enclosure template"
                      for enc in info.enclosures
                      if infos.get(enc) is None or infos[enc].kind != "enclosure")
    for call in calls:
        if call.operator != "letters.send":
            continue
        code = _literal(call.params.get("letter_code"))
        where = f"{call.filename}: {call.element_id}"
        if isinstance(code, str) and (code not in infos or infos[code].kind != "letter"):
            errors.append(f"{where} sends letter {code}, but the package has no letter "
                          f"template {code}{SUFFIX}")
        enclosures = _literal(call.params.get("enclosures"))
        for enc in enclosures if isinstance(enclosures, list | tuple) else ():
            if enc not in infos or infos[enc].kind != "enclosure":
                errors.append(f"{where} encloses {enc}, but the package has no enclosure "
                              f"template {enc}{SUFFIX}")
    if any(c.operator == "letters.send" for c in calls) and "_letterhead" not in infos:
        errors.append(f"the package sends letters but has no _letterhead{SUFFIX}")
    if errors:
        raise ValueError("; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)"
                                                   if len(errors) > 5 else ""))
