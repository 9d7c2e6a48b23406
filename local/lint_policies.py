"""parliament (duo-labs' IAM policy linter) over many identity policies at once.

Reads {"<name>": <policy document>, ...} as JSON on stdin and prints a JSON list of findings,
each {"policy", "severity", "issue", "title", "detail"}. Used by
test/integration/stacks-pass-checkers.test.ts, which resolves the templates' intrinsic functions
to realistic ARNs first (a placeholder would hide the resource type parliament checks).
"""
import json
import sys

from parliament import analyze_policy_string, enhance_finding


def main():
    policies = json.load(sys.stdin)
    findings = []
    for name, document in policies.items():
        policy = analyze_policy_string(json.dumps(document))
        for finding in policy.findings:
            finding = enhance_finding(finding)
            findings.append({"policy": name, "severity": finding.severity, "issue": finding.issue, "title": finding.title, "detail": finding.detail})
    json.dump(findings, sys.stdout, default=str)


if __name__ == "__main__":
    main()
