"""The partner API's docs page: the OpenAPI document (``mtkcare.api.openapi``) drawn as one
self-contained HTML page on the server — no script, no font or stylesheet from elsewhere, so
it reads the same offline and passes the app's Content-Security-Policy (inline styles only).

It knows the document's shape, not our API: operations, their parameters, the request body's
fields flattened to dotted names (``client.date_of_birth``, the names a 422 uses) with type,
limits and whether required, every answer with its headers and examples, the security scheme,
and a curl command per operation made from the examples. Descriptions are plain text where
a blank line starts a paragraph and `backticks` mark code.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

STYLE = """
:root { color-scheme: light; --ink: #1c2024; --soft: #60646c; --line: #d9d9e0;
  --tint: #f3f5f8; --accent: #0d74ce; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .5rem; padding-top: 1rem;
  border-top: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
p { margin: .5rem 0; }
a { color: var(--accent); }
code, pre { font: .9em/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { background: var(--tint); padding: .05em .3em; border-radius: 3px; }
pre { background: var(--tint); border: 1px solid var(--line); border-radius: 6px;
  padding: .75rem 1rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem;
  border-bottom: 1px solid var(--line); }
th { background: var(--tint); font-weight: 600; }
.lead { color: var(--soft); margin-bottom: 1.5rem; }
.method { display: inline-block; min-width: 3.8rem; text-align: center; border-radius: 4px;
  padding: 0 .4rem; margin-right: .4rem; color: #fff; background: var(--accent);
  font: 600 .85em/1.6 ui-monospace, Menlo, Consolas, monospace; }
.method-post { background: #18794e; }
.required { color: #ce2c31; font-weight: 600; }
.status { font-weight: 700; }
.status-2 { color: #18794e; }
.status-4 { color: #ce2c31; }
details { margin: .25rem 0 .75rem; }
summary { cursor: pointer; color: var(--accent); }
nav ul { margin: .25rem 0; padding-left: 1.25rem; }
.muted { color: var(--soft); }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _inline(text: str) -> str:
    """Escaped text with `backticks` as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _words(text: str | None) -> str:
    if not text:
        return ""
    return "".join(
        f"<p>{_inline(' '.join(part.split()))}</p>" for part in text.split("\n\n") if part.strip()
    )


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Document:
    """An OpenAPI document with its ``$ref``s resolved on demand (local ones only)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def resolve(self, node: Any) -> Any:
        """The node with a ``$ref`` replaced by its target (the node's own keys win)."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
        """(method, path, operation, parameters incl. the path's) in the document's order."""
        for path, item in self.raw.get("paths", {}).items():
            shared = [self.resolve(p) for p in item.get("parameters", [])]
            for method in METHODS:
                if method in item:
                    operation = item[method]
                    own = [self.resolve(p) for p in operation.get("parameters", [])]
                    names = {(p["name"], p["in"]) for p in own}
                    merged = [p for p in shared if (p["name"], p["in"]) not in names] + own
                    yield method, path, operation, merged


# --------------------------------------------------------------------------------------------
# Schemas in words


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    kind: str
    required: bool
    rules: str
    words: str


def _nullable(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``anyOf: [X, {"type": "null"}]`` as (X, True)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        real = [o for o in options if o.get("type") != "null"]
        if len(real) == 1 and len(real) < len(options):
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            return {**real[0], **rest}, True
    return schema, False


def _kind(doc: Document, schema: dict[str, Any]) -> str:
    schema = doc.resolve(schema)
    if "const" in schema:
        return f"always {json.dumps(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_kind(doc, schema.get('items', {}))}"
    if kind == "object" and "title" in schema:
        return f"object ({schema['title']})"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _rules(schema: dict[str, Any]) -> str:
    rules = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low and high:
        rules.append(f"{low}–{high} characters")
    elif high:
        rules.append(f"up to {high} characters")
    elif low:
        rules.append(f"at least {low} character{'s' if low > 1 else ''}")
    if "minimum" in schema:
        rules.append(f"at least {schema['minimum']}")
    if "maximum" in schema:
        rules.append(f"at most {schema['maximum']}")
    if "pattern" in schema:
        rules.append(f"matches `{schema['pattern']}`")
    if schema.get("additionalProperties") is False:
        rules.append("no other fields")
    if "default" in schema and schema["default"] is not None:
        rules.append(f"default {json.dumps(schema['default'])}")
    return "; ".join(rules)


def _rows(doc: Document, schema: dict[str, Any], prefix: str = "") -> Iterator[Row]:
    """Every field of an object schema, nested objects flattened to dotted names."""
    schema = doc.resolve(schema)
    for part in schema.get("allOf", []):
        yield from _rows(doc, part, prefix)
    required = set(schema.get("required", []))
    for name, raw in schema.get("properties", {}).items():
        field, nullable = _nullable(doc.resolve(raw))
        field = doc.resolve(field)
        kind = _kind(doc, field) + (" or null" if nullable else "")
        yield Row(
            name=prefix + name,
            label=field.get("title", ""),
            kind=kind,
            required=name in required,
            rules=_rules(field),
            words=field.get("description", ""),
        )
        if field.get("type") == "object" and "properties" in field:
            yield from _rows(doc, field, f"{prefix}{name}.")


def _fields_table(doc: Document, schema: dict[str, Any]) -> str:
    rows = list(_rows(doc, schema))
    if not rows:
        return ""
    body = "".join(
        "<tr>"
        f"<td><code>{_e(r.name)}</code></td>"
        f"<td>{_e(r.kind)}</td>"
        f"<td>{'<span class=required>required</span>' if r.required else 'optional'}</td>"
        f"<td>{_inline(r.rules)}</td>"
        f"<td>{_e(r.label)}{': ' if r.label and r.words else ''}{_inline(r.words)}</td>"
        "</tr>"
        for r in rows
    )
    return (
        "<table><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Limits</th>"
        f"<th>Meaning</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _json(value: Any) -> str:
    return f"<pre><code>{_e(json.dumps(value, indent=2, ensure_ascii=False))}</code></pre>"


def _examples(media: dict[str, Any]) -> str:
    found = dict(media.get("examples", {}))
    if "example" in media:
        found["example"] = {"value": media["example"]}
    return "".join(
        f"<details><summary>Example: {_e(ex.get('summary', name))}</summary>"
        f"{_json(ex.get('value'))}</details>"
        for name, ex in found.items()
    )


# --------------------------------------------------------------------------------------------
# Sections


def _bearer_schemes(doc: Document) -> set[str]:
    schemes = doc.raw.get("components", {}).get("securitySchemes", {})
    return {
        name
        for name, s in schemes.items()
        if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
    }


def _needs_bearer(doc: Document, operation: dict[str, Any]) -> bool:
    required = operation.get("security", doc.raw.get("security", []))
    bearer = _bearer_schemes(doc)
    return any(set(requirement) & bearer for requirement in required)


def _curl(doc: Document, method: str, path: str, operation: dict, params: list) -> str:
    servers = doc.raw.get("servers") or [{"url": "/"}]
    base = servers[0]["url"].rstrip("/")
    url = base + path
    for p in params:
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", str(p.get("example", p["name"])))
    # A relative server address is this installation's: MTKCARE_URL stands for it.
    where = url if "://" in base else "${MTKCARE_URL}" + url
    lines = [f'curl -i -X {method.upper()} "{where}"']
    if _needs_bearer(doc, operation):
        lines.append('-H "Authorization: Bearer $MTKCARE_API_KEY"')
    for p in params:
        if p["in"] == "header" and "example" in p:
            lines.append(f'-H "{p["name"]}: {p["example"]}"')
    body = doc.resolve(operation.get("requestBody", {}))
    for media_type, media in body.get("content", {}).items():
        # The shortest example: a command to copy, not a reference.
        values = [ex.get("value") for ex in media.get("examples", {}).values()]
        values += [media["example"]] if "example" in media else []
        value = min(values, key=lambda v: len(json.dumps(v)), default=None)
        if value is not None:
            lines.append(f'-H "Content-Type: {media_type}"')
            lines.append("--data-binary @- <<'JSON'")
            command = " \\\n  ".join(lines)
            return f"{command}\n{json.dumps(value, indent=2, ensure_ascii=False)}\nJSON"
        break
    return " \\\n  ".join(lines)


def _parameters(params: list[dict[str, Any]], doc: Document) -> str:
    if not params:
        return ""
    rows = "".join(
        "<tr>"
        f"<td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td>"
        f"<td>{'<span class=required>required</span>' if p.get('required') else 'optional'}</td>"
        f"<td>{_e(_kind(doc, p.get('schema', {})))} {_inline(_rules(p.get('schema', {})))}</td>"
        f"<td>{_inline(p.get('description', ''))}"
        f"{f' Example: <code>{_e(p["example"])}</code>' if 'example' in p else ''}</td>"
        "</tr>"
        for p in params
    )
    return (
        "<h3>Parameters</h3><table><thead><tr><th>Name</th><th>In</th><th>Required</th>"
        f"<th>Type</th><th>Meaning</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _request_body(doc: Document, operation: dict[str, Any]) -> str:
    body = doc.resolve(operation.get("requestBody"))
    if not body:
        return ""
    parts = ["<h3>Request body</h3>"]
    for media_type, media in body.get("content", {}).items():
        schema = doc.resolve(media.get("schema", {}))
        parts.append(
            f"<p>{'Required' if body.get('required') else 'Optional'}, as "
            f"<code>{_e(media_type)}</code>"
            f"{f' ({_e(schema["title"])})' if 'title' in schema else ''}.</p>"
        )
        parts.append(_words(schema.get("description")))
        parts.append(_fields_table(doc, schema))
        parts.append(_examples(media))
    return "".join(parts)


def _phrase(status: str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


def _responses(doc: Document, operation: dict[str, Any]) -> str:
    parts = ["<h3>Responses</h3>"]
    for status, raw in operation.get("responses", {}).items():
        answer = doc.resolve(raw)
        parts.append(
            f'<h4 id="{_anchor(operation.get("operationId", ""))}-{_e(status)}">'
            f"<span class='status status-{_e(status[:1])}'>{_e(status)}</span> "
            f"{_e(_phrase(status))}</h4>"
        )
        parts.append(_words(answer.get("description")))
        headers = answer.get("headers", {})
        if headers:
            rows = "".join(
                f"<tr><td><code>{_e(name)}</code></td>"
                f"<td>{_e(_kind(doc, h.get('schema', {})))}</td>"
                f"<td>{_inline(h.get('description', ''))}</td></tr>"
                for name, h in ((n, doc.resolve(h)) for n, h in headers.items())
            )
            parts.append(
                "<table><thead><tr><th>Header</th><th>Type</th><th>Meaning</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
        for media_type, media in answer.get("content", {}).items():
            schema = doc.resolve(media.get("schema", {}))
            named = [doc.resolve(s).get("title") for s in schema.get("allOf", [])]
            title = schema.get("title") or next((n for n in named if n), "")
            parts.append(
                f"<p class=muted>Body: <code>{_e(media_type)}</code>"
                f"{f' — {_e(title)}' if title else ''}</p>"
            )
            if status.startswith("2"):
                parts.append(_fields_table(doc, schema))
            parts.append(_examples(media))
        links = answer.get("links", {})
        for name, link in links.items():
            parts.append(
                f"<p class=muted>Link <code>{_e(name)}</code>: "
                f"<a href='#{_anchor(link.get('operationId', ''))}'>"
                f"{_e(link.get('operationId', ''))}</a> — {_inline(link.get('description', ''))}"
                "</p>"
            )
    return "".join(parts)


def _operation(doc: Document, method: str, path: str, operation: dict, params: list) -> str:
    anchor = _anchor(operation.get("operationId") or f"{method}-{path}")
    return (
        f'<section id="{anchor}"><h2><span class="method method-{method}">'
        f"{method.upper()}</span><code>{_e(path)}</code></h2>"
        f"<p><strong>{_e(operation.get('summary', ''))}</strong>"
        f" <span class=muted>(operationId <code>{_e(operation.get('operationId', ''))}</code>)"
        "</span></p>"
        f"{_words(operation.get('description'))}"
        f"{_parameters(params, doc)}"
        f"{_request_body(doc, operation)}"
        f"<h3>Example</h3><pre><code>{_e(_curl(doc, method, path, operation, params))}"
        "</code></pre>"
        f"{_responses(doc, operation)}"
        "</section>"
    )


def _errors(doc: Document) -> str:
    """Every error answer of every operation in one table, then the problem body's fields."""
    rows = []
    bodies: dict[str, dict[str, Any]] = {}  # the error bodies' schemas, by title
    for method, path, operation, _ in doc.operations():
        for status, raw in operation.get("responses", {}).items():
            if status[:1] not in ("4", "5"):
                continue
            answer = doc.resolve(raw)
            for media in answer.get("content", {}).values():
                schema = doc.resolve(media.get("schema", {}))
                fixed: dict[str, Any] = {}
                for part in schema.get("allOf", []):
                    if "$ref" in part:  # the body's schema; the other parts fix its values
                        body = doc.resolve(part)
                        bodies.setdefault(body.get("title", part["$ref"]), body)
                    else:
                        properties = doc.resolve(part).get("properties", {})
                        fixed.update({k: v.get("const") for k, v in properties.items()})
                anchor = f"{_anchor(operation.get('operationId', ''))}-{status}"
                rows.append(
                    f"<tr><td><a href='#{anchor}'>{_e(status)}</a></td>"
                    f"<td><code>{_e(method.upper())} {_e(path)}</code></td>"
                    f"<td><code>{_e(fixed.get('type', ''))}</code></td>"
                    f"<td>{_inline(answer.get('description', ''))}</td></tr>"
                )
    table = (
        "<table><thead><tr><th>Status</th><th>Operation</th><th>Type</th><th>When</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    fields = "".join(
        f"<h3>{_e(title)}</h3>{_words(body.get('description'))}{_fields_table(doc, body)}"
        for title, body in bodies.items()
    )
    return f'<section id="errors"><h2>Errors</h2>{table}{fields}</section>'


def _authentication(doc: Document) -> str:
    schemes = doc.raw.get("components", {}).get("securitySchemes", {})
    parts = ['<section id="authentication"><h2>Authentication</h2>']
    for name, scheme in schemes.items():
        how = scheme.get("type", "")
        if how == "http":
            how = f"HTTP {scheme.get('scheme', '')}".strip()
        parts.append(f"<p><strong>{_e(name)}</strong> <span class=muted>({_e(how)})</span></p>")
        parts.append(_words(scheme.get("description")))
    parts.append("</section>")
    return "".join(parts)


def render(raw: dict[str, Any], *, document_address: str = "/api/v1/openapi.json") -> str:
    doc = Document(raw)
    info = raw.get("info", {})
    operations = list(doc.operations())
    servers = raw.get("servers", [])
    base = servers[0]["url"] if servers else "/"
    contents = "".join(
        f"<li><a href='#{_anchor(op.get('operationId') or f'{m}-{p}')}'>"
        f"{_e(m.upper())} {_e(p)}</a> — {_e(op.get('summary', ''))}</li>"
        for m, p, op, _ in operations
    )
    return (
        "<!doctype html>"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(info.get('title', 'API'))}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{_e(info.get('title', 'API'))}</h1>"
        f"<p class=lead>Version {_e(info.get('version', ''))} · OpenAPI "
        f"{_e(raw.get('openapi', ''))} · the machine-readable document: "
        f"<a href='{_e(document_address)}'>{_e(document_address)}</a></p>"
        f"{_words(info.get('description'))}"
        "<nav><h3>Contents</h3><ul>"
        "<li><a href='#authentication'>Authentication</a></li>"
        f"{contents}<li><a href='#errors'>Errors</a></li></ul></nav>"
        f"<p>Addresses are relative to this installation's address "
        f"(<code>{_e(base)}</code> on the server that serves this page). In the examples, "
        "<code>MTKCARE_URL</code> is that address, like "
        "<code>https://mtkcare.example.org</code>, and <code>MTKCARE_API_KEY</code> your "
        "organisation's key.</p>"
        f"{_authentication(doc)}"
        f"{''.join(_operation(doc, *op) for op in operations)}"
        f"{_errors(doc)}"
        "</main></body></html>"
    )
