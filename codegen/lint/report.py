"""Findings as text (one `path:line:col: severity: RULE-ID: message` line each), JSON or SARIF 2.1.0."""

from __future__ import annotations

import json

from .findings import Finding
from .rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def text(findings: list[Finding]) -> str:
    lines = [str(f) for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    lines.append(f"codegen lint: {errors} error(s), {len(findings) - errors} warning(s)")
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding]) -> str:
    return json.dumps([{"path": f.path, "line": f.line, "col": f.col, "severity": f.severity, "rule": f.rule,
                        "message": f.message, "fix": RULES[f.rule].fix} for f in findings],
                      indent=1, ensure_ascii=False) + "\n"


def sarif(findings: list[Finding], version: str) -> str:
    """One run of the tool; every rule described (so viewers show its rationale and fix), results
    pointing at the rule by index."""
    rules = list(RULES.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "codegen-lint",
                "version": version,
                "rules": [{
                    "id": rule.id,
                    "name": "".join(part.capitalize() for part in rule.id.split("-")),
                    "shortDescription": {"text": rule.why},
                    "fullDescription": {"text": f"{rule.why}. Engines: {', '.join(rule.engines)}."},
                    "help": {"text": rule.fix},
                    "defaultConfiguration": {"level": rule.severity},
                    "properties": {"engines": list(rule.engines)},
                } for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": f.severity,
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.col},
                }}],
            } for f in findings],
        }],
    }
    return json.dumps(log, indent=1, ensure_ascii=False) + "\n"
