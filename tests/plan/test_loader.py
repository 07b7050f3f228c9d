"""The loader reports every problem of a plan at once, each as ``PLAN:LINE:COL: message``.

The plans below are written line by line so each expected position can be read
off the text: line numbers are 1-based, columns are 1-based.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from drctl.errors import ExitCode, PlanError, UsageError
from drctl.plan.loader import Diagnostic, LoadedPlan, load_plan, load_plan_text
from drctl.plan.models import Route53Record
from tests.conftest import DEMO_PLAN, EXAMPLES

CONTRACT = Path("/work/shared/design/plan-v1.yaml")
KINDS = (
    "s3-bucket, rds-instance, aurora-global, documentdb-global, dynamodb-table, "
    "autoscaling-group, ecs-service, route53-record, arc-routing-control, global-accelerator, "
    "secret, efs-replication, elasticache-global, backup-vault, eventbridge-rules, "
    "lambda-function, manual, custom"
)
VALID_TAIL = """\
regions: {primary: us-east-1, dr: us-west-2}
resources: [{kind: manual, name: a, instructions: x}]
"""


def plan_text(text: str) -> str:
    return textwrap.dedent(text)


def errors(text: str, name: str = "p.yaml") -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan_text(plan_text(text), name)
    exc = info.value
    assert exc.exit_code is ExitCode.BAD_INPUT
    assert int(exc.exit_code) == 2
    count = len(exc.diagnostics)
    assert str(exc).splitlines()[0] == f"{name}: {count} error{'s' if count != 1 else ''}"
    assert str(exc).splitlines()[1:] == exc.diagnostics
    return exc.diagnostics


def loaded(text: str) -> LoadedPlan:
    return load_plan_text(plan_text(text), "p.yaml")


# --------------------------------------------------------------------------- valid plans


@pytest.mark.parametrize(
    "path",
    [CONTRACT, DEMO_PLAN, *sorted(EXAMPLES.glob("*.yaml"))],
    ids=lambda p: p.name,
)
def test_contract_and_example_plans_load(path: Path) -> None:
    result = load_plan(path)
    assert result.path == str(path)
    assert result.text == path.read_text()
    assert result.plan.version == 1
    assert result.warnings == []
    names = [r.name for r in result.plan.resources]
    assert len(names) == len(set(names))


def test_the_contract_plan_in_detail() -> None:
    plan = load_plan(CONTRACT).plan
    assert plan.app == "shop"
    assert (plan.regions.primary, plan.regions.dr) == ("us-east-1", "us-west-2")
    eff = plan.effective_objectives()
    assert (eff.rto_seconds, eff.rpo_seconds, eff.rto_source) == (900, 300, "objectives")
    assert [r.kind for r in plan.resources] == [
        "s3-bucket",
        "rds-instance",
        "aurora-global",
        "dynamodb-table",
        "autoscaling-group",
        "ecs-service",
        "route53-record",
        "manual",
    ]
    api = plan.resource("api")
    assert isinstance(api, Route53Record)
    assert api.depends_on == ["orders-db", "catalog-db", "web", "checkout"]
    assert plan.accounts is not None and plan.accounts.dr is not None
    assert plan.accounts.dr.external_id == "dr-operations"
    assert [(d.name, d.type.value) for d in plan.drills] == [
        ("readiness", "checks"),
        ("orders-restore", "restore"),
        ("web-chaos", "experiment"),
    ]
    timeout = plan.drills[2].timeout
    assert timeout is not None and timeout.seconds == 900
    exp = plan.experiment("stop-half-web")
    assert exp.actions["stop"].targets == {"Instances": "web-instances"}
    assert exp.stop_conditions[0].alarm == "shop-high-error-rate"


# --------------------------------------------------------------------------- all at once


def test_every_error_is_reported_at_once_with_its_position() -> None:
    text = """\
        version: 1
        app: Shop
        tier: diamond
        strategy: warm-standby
        objectives:
          rto: 15
          rpo: 5x
          rtx: 1m
        regions:
          primary: us-east-1
          dr: us-east-1
          extra: 1
        resources:
          - kind: s3-bucket
            name: assets
            primary: shop-assets-use1
            dr: shop-assets-usw2
            colour: blue
          - kind: rds-instance
            name: assets
            primary: shop-orders
            depends_on: [assets, nope]
          - kind: nope-kind
            name: x
          - name: y
          - kind: autoscaling-group
            name: web
            dr: w
            desired: many
        drills:
          - name: d1
            type: experiment
            experiment: ghost
          - name: d2
            type: restore
            resource: ghost
          - name: d3
            type: explode
        """
    assert errors(text) == [
        "p.yaml:2:6: app: 'Shop': use lowercase letters, digits and '-' (at most 63)",
        "p.yaml:3:7: tier: Input should be 'platinum', 'gold', 'silver' or 'bronze'",
        'p.yaml:6:8: objectives.rto: expected a duration string such as "30s", "15m", '
        '"4h" or "1d", got 15 (a number)',
        "p.yaml:7:8: objectives.rpo: invalid duration '5x': write an integer and one unit, "
        'e.g. "30s", "15m", "4h", "1d"',
        "p.yaml:8:3: unknown key 'rtx' (allowed: rto, rpo)",
        "p.yaml:11:7: regions.dr must differ from regions.primary",
        "p.yaml:12:3: unknown key 'extra' (allowed: primary, dr)",
        "p.yaml:18:5: unknown key 'colour' "
        "(allowed: kind, name, depends_on, primary, dr, reverse_role)",
        "p.yaml:19:5: missing required key 'dr' in resources[1]",
        "p.yaml:20:11: duplicate resource name 'assets' (also resources[0])",
        "p.yaml:22:18: resource 'assets' depends on itself",
        "p.yaml:22:26: depends_on names unknown resource 'nope' (known: assets, web, x, y)",
        f"p.yaml:23:11: unknown resource kind 'nope-kind' (one of: {KINDS})",
        f"p.yaml:25:5: resource has no 'kind' (one of: {KINDS})",
        "p.yaml:29:14: resources[4].desired: Input should be a valid integer",
        "p.yaml:33:17: drill names unknown experiment 'ghost'",
        "p.yaml:36:15: drill names unknown resource 'ghost'",
        "p.yaml:38:11: drills[2].type: Input should be 'checks', 'restore', 'replication', "
        "'experiment' or 'failover'",
    ]


def test_unknown_keys_wrong_values_and_drill_rules_at_every_depth() -> None:
    text = """\
        version: 2
        app: shop
        tier: gold
        strategy: pilot-light
        regions: {primary: us-east-1, dr: mars-1}
        state: {backend: s3, colour: red}
        notifications: {sns_topic_arn: nope, extra: 1}
        accounts:
          primary:
            role_arn: arn:aws:iam::123456789012:role/x
            typo: 1
        resources:
          - kind: route53-record
            name: api
            record: api.example.com.
          - kind: autoscaling-group
            name: web
            dr: w
            desired: -1
        experiments:
          - name: e1
            actions:
              stop:
                action_id: aws:ec2:stop-instances
                whatever: x
                targets: {Instances: t}
            targets:
              t:
                resource_type: aws:ec2:instance
                selection_mode: HALF
                tags: {a: b}
            stop_conditions:
              - alarm: x
                when: now
            role_arn: arn:aws:iam::123456789012:role/x
        drills:
          - name: r
            type: restore
            resource: web
            timeout: soon
          - name: c
            type: checks
            resource: web
            experiment: e1
          - name: x
            type: experiment
          - name: r
            type: replication
        """
    assert errors(text) == [
        "p.yaml:1:10: version: Input should be 1",
        "p.yaml:5:35: regions.dr: 'mars-1': expected an AWS region such as us-east-1",
        "p.yaml:6:22: unknown key 'colour' (allowed: backend, bucket, lock_table)",
        "p.yaml:7:32: notifications.sns_topic_arn: 'nope': expected an SNS topic ARN, "
        "arn:aws:sns:<region>:<account>:<topic>",
        "p.yaml:7:38: unknown key 'extra' (allowed: sns_topic_arn)",
        "p.yaml:11:5: unknown key 'typo' (allowed: role_arn, external_id)",
        "p.yaml:13:5: resources[0]: give exactly one of zone (a name) or zone_id",
        "p.yaml:19:14: resources[1].desired: Input should be greater than or equal to 0",
        "p.yaml:25:9: unknown key 'whatever' (allowed: action_id, description, parameters, "
        "targets, start_after)",
        "p.yaml:30:25: experiments[0].targets.t.selection_mode: 'HALF': must match "
        r"^(ALL|COUNT\([0-9]+\)|PERCENT\([0-9]{1,3}\))$",
        "p.yaml:31:9: unknown key 'tags' (allowed: resource_type, resource_tags, "
        "resource_arns, filters, selection_mode)",
        "p.yaml:34:9: unknown key 'when' (allowed: alarm)",
        "p.yaml:39:15: a restore drill needs a resource of kind rds-instance or backup-vault; "
        "'web' is autoscaling-group",
        "p.yaml:40:14: drills[0].timeout: invalid duration 'soon': write an integer and one "
        'unit, e.g. "30s", "15m", "4h", "1d"',
        "p.yaml:43:5: 'resource' is not used by checks drills",
        "p.yaml:44:5: 'experiment' is not used by checks drills",
        "p.yaml:45:5: an experiment drill needs 'experiment'",
        "p.yaml:47:5: a replication drill needs 'resource'",
        "p.yaml:47:11: duplicate drill name 'r' (also drills[0])",
    ]


def test_unknown_key_in_dr_account_role_lists_the_allowed_keys() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        accounts:
          dr:
            role_arn: arn:aws:iam::123456789012:role/x
            externalid: y
        """
    assert "p.yaml:8:5: unknown key 'externalid' (allowed: role_arn, external_id)" in errors(
        plan_text(text) + VALID_TAIL
    )


def test_wrong_types_of_whole_sections() -> None:
    text = """\
        version: 1
        app: 5
        tier: gold
        strategy: warm-standby
        regions: us-east-1
        resources: {a: 1}
        experiments: none
        drills: [5]
        """
    assert errors(text) == [
        "p.yaml:2:6: app: Input should be a valid string",
        "p.yaml:5:10: regions: Input should be a valid dictionary or instance of Regions",
        "p.yaml:6:12: resources: Input should be a valid list",
        "p.yaml:7:14: experiments: Input should be a valid list",
        "p.yaml:8:10: drills[0]: Input should be a valid dictionary or instance of Drill",
    ]


def test_a_plan_needs_at_least_one_resource() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions: {primary: us-east-1, dr: us-west-2}
        resources: []
        """
    assert errors(text) == [
        "p.yaml:6:12: resources: List should have at least 1 item after validation, not 0"
    ]


def test_missing_required_top_level_keys_point_at_the_start() -> None:
    assert errors("version: 1\n") == [
        "p.yaml:1:1: missing required key 'app'",
        "p.yaml:1:1: missing required key 'regions'",
        "p.yaml:1:1: missing required key 'resources'",
        "p.yaml:1:1: missing required key 'strategy'",
        "p.yaml:1:1: objectives (rto and rpo) are required when no tier is given",
    ]


def test_missing_nested_keys_point_at_their_section() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions:
          primary: us-east-1
        resources:
          - kind: manual
            name: a
        experiments:
          - name: e1
            actions:
              go:
                description: nothing
            role_arn: arn:aws:iam::123456789012:role/x
        """
    assert errors(text) == [
        "p.yaml:6:3: missing required key 'dr' in regions",
        "p.yaml:8:5: missing required key 'instructions' in resources[0]",
        "p.yaml:14:9: missing required key 'action_id' in experiments[0].actions.go",
    ]


# --------------------------------------------------------------------------- YAML level


def test_duplicate_yaml_keys_at_any_depth() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions:
          primary: us-east-1
          dr: us-west-2
          primary: eu-west-1
        resources:
          - kind: manual
            name: a
            instructions: x
            name: b
        app: shop2
        """
    assert errors(text) == [
        "p.yaml:8:3: duplicate key 'primary' (first at line 6)",
        "p.yaml:13:5: duplicate key 'name' (first at line 11)",
        "p.yaml:14:1: duplicate key 'app' (first at line 2)",
    ]


def test_merge_keys_and_non_string_keys_are_refused() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        1: one
        regions:
          <<: {primary: us-east-1}
          dr: us-west-2
        resources: [{kind: manual, name: a, instructions: x}]
        """
    assert errors(text) == [
        "p.yaml:5:1: keys must be strings, got 1",
        "p.yaml:7:3: merge keys ('<<') are not supported",
        "p.yaml:7:3: missing required key 'primary' in regions",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "!Ref Orders",
            "cannot read 'Orders': could not determine a constructor for the tag '!Ref'",
        ),
        ("2026-13-45", "cannot read '2026-13-45': month must be in 1..12"),
        ("!!int ten", "cannot read 'ten': invalid literal for int() with base 10: 'ten'"),
    ],
)
def test_unreadable_scalars_are_errors_not_tracebacks(value: str, message: str) -> None:
    text = f"""\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        description: {value}
        """
    assert errors(plan_text(text) + VALID_TAIL) == [f"p.yaml:5:14: {message}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\napp: shop\nregions:\n  primary: x\n   dr: y\n",
            "p.yaml:5:6: YAML syntax error: mapping values are not allowed in this context",
        ),
        (
            "version: 1\nresources:\n  - kind: manual\n   name: x\n",
            "p.yaml:4:4: YAML syntax error: while parsing a block collection "
            "did not find expected '-' indicator",
        ),
        (
            "version: 1\napp: shop\nregions:\n\tprimary: x\n",
            "p.yaml:4:1: YAML syntax error: while scanning for the next token "
            "found character that cannot start any token",
        ),
        (
            'version: 1\napp: "shop\n',
            "p.yaml:3:1: YAML syntax error: while scanning a quoted scalar "
            "found unexpected end of stream",
        ),
        (
            "version: 1\n---\nversion: 1\n",
            "p.yaml:2:1: YAML syntax error: expected a single document in the stream "
            "but found another document",
        ),
        (
            "app: &a shop\ndescription: *b\n",
            "p.yaml:2:14: YAML syntax error: found undefined alias",
        ),
    ],
    ids=["bad-indent", "block-collection", "tab", "open-quote", "two-documents", "alias"],
)
def test_yaml_syntax_errors_point_at_the_problem(text: str, expected: str) -> None:
    with pytest.raises(PlanError) as info:
        load_plan_text(text, "p.yaml")
    assert info.value.diagnostics == [expected]
    assert str(info.value) == expected
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# only a comment\n", "- a\n- b\n", "just a string\n", "42\n", "null\n"],
    ids=["empty", "blank", "comment", "list", "string", "number", "null"],
)
def test_a_plan_must_be_a_mapping(text: str) -> None:
    assert errors(text) == ["p.yaml:1:1: a plan must be a YAML mapping"]


def test_non_mapping_position_is_where_the_document_starts() -> None:
    assert errors("# comment\n\n- a\n") == ["p.yaml:3:1: a plan must be a YAML mapping"]


# --------------------------------------------------------------------------- resources


def test_unknown_self_and_cyclic_depends_on() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions: {primary: us-east-1, dr: us-west-2}
        resources:
          - kind: manual
            name: a
            instructions: x
            depends_on: [b]
          - kind: manual
            name: b
            instructions: y
            depends_on: [c, ghost]
          - kind: manual
            name: c
            instructions: z
            depends_on: [a]
          - kind: manual
            name: d
            instructions: w
            depends_on: [e, d]
          - kind: manual
            name: e
            instructions: v
            depends_on: [d]
        """
    assert errors(text) == [
        "p.yaml:10:17: dependency cycle: a -> b -> c -> a",
        "p.yaml:14:21: depends_on names unknown resource 'ghost' (known: a, b, c, d, e)",
        "p.yaml:22:17: dependency cycle: d -> e -> d",
        "p.yaml:22:21: resource 'd' depends on itself",
    ]


def test_depends_on_must_be_names() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions: {primary: us-east-1, dr: us-west-2}
        resources:
          - kind: manual
            name: a
            instructions: x
            depends_on: b
        """
    assert errors(text) == ["p.yaml:10:17: resources[0].depends_on: Input should be a valid list"]


# --------------------------------------------------------------------------- experiments, drills


def test_experiments_naming_unknown_targets_or_actions() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions: {primary: us-east-1, dr: us-west-2}
        resources: [{kind: manual, name: a, instructions: x}]
        experiments:
          - name: e1
            region: middle
            actions:
              stop:
                action_id: aws:ec2:stop-instances
                targets: {Instances: ghost-target}
                start_after: [nothing]
            role_arn: arn:aws:iam::123456789012:role/x
          - name: e1
            actions: {}
            role_arn: arn:aws:iam::123456789012:role/x
        drills:
          - name: chaos
            type: experiment
            experiment: e2
        """
    assert errors(text) == [
        "p.yaml:9:13: experiments[0].region: Input should be 'primary' or 'dr'",
        "p.yaml:13:30: action 'stop' names unknown target 'ghost-target'",
        "p.yaml:14:23: start_after names unknown action 'nothing'",
        "p.yaml:16:11: duplicate experiment name 'e1' (also experiments[0])",
        "p.yaml:17:14: experiments[1].actions: Dictionary should have at least 1 item after "
        "validation, not 0",
        "p.yaml:22:17: drill names unknown experiment 'e2'",
    ]


def test_drills_naming_known_things_load() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions: {primary: us-east-1, dr: us-west-2}
        resources:
          - {kind: rds-instance, name: db, primary: orders, dr: orders-dr}
          - {kind: dynamodb-table, name: profiles, table: UserProfiles}
        experiments:
          - name: e1
            actions: {stop: {action_id: aws:ec2:stop-instances}}
            role_arn: arn:aws:iam::123456789012:role/x
        drills:
          - {name: restore-db, type: restore, resource: db}
          - {name: replication, type: replication, resource: profiles}
          - {name: chaos, type: experiment, experiment: e1, timeout: 20m}
          - {name: whole, type: failover}
        """
    plan = loaded(text).plan
    assert [(d.name, d.resource, d.experiment) for d in plan.drills] == [
        ("restore-db", "db", None),
        ("replication", "profiles", None),
        ("chaos", None, "e1"),
        ("whole", None, None),
    ]


# --------------------------------------------------------------------------- objectives


def test_regions_must_differ() -> None:
    text = """\
        version: 1
        app: shop
        tier: gold
        strategy: warm-standby
        regions:
          primary: eu-west-1
          dr: eu-west-1
        resources: [{kind: manual, name: a, instructions: x}]
        """
    assert errors(text) == ["p.yaml:7:7: regions.dr must differ from regions.primary"]


def test_objectives_are_required_without_a_tier() -> None:
    head = "version: 1\napp: shop\nstrategy: warm-standby\n"
    assert errors(head + VALID_TAIL) == [
        "p.yaml:1:1: objectives (rto and rpo) are required when no tier is given"
    ]
    assert errors(head + "objectives:\n  rto: 1h\n" + VALID_TAIL) == [
        "p.yaml:5:3: objectives.rpo is required when no tier is given"
    ]
    assert errors(head + "objectives: {rpo: 1h}\n" + VALID_TAIL) == [
        "p.yaml:4:13: objectives.rto is required when no tier is given"
    ]


def test_empty_objectives_without_tier_is_an_error_not_a_crash() -> None:
    text = "version: 1\napp: shop\nstrategy: warm-standby\ntier:\nobjectives:\n" + VALID_TAIL
    assert errors(text) == [
        "p.yaml:5:1: objectives (rto and rpo) are required when no tier is given"
    ]


def test_tier_alone_gives_the_objectives() -> None:
    result = loaded("version: 1\napp: shop\ntier: silver\nstrategy: warm-standby\n" + VALID_TAIL)
    eff = result.plan.effective_objectives()
    assert (eff.rto_seconds, eff.rpo_seconds) == (4 * 3600, 3600)
    assert (eff.rto_source, eff.rpo_source) == ("tier silver", "tier silver")
    assert result.warnings == []


def test_own_objective_overrides_one_of_the_tier() -> None:
    text = "version: 1\napp: shop\ntier: bronze\nstrategy: warm-standby\nobjectives: {rpo: 2h}\n"
    eff = loaded(text + VALID_TAIL).plan.effective_objectives()
    assert (eff.rto_seconds, eff.rto_source) == (86400, "tier bronze")
    assert (eff.rpo_seconds, eff.rpo_source) == (7200, "objectives")


def test_strategy_that_cannot_meet_the_objectives_warns_at_the_strategy() -> None:
    text = """\
        version: 1
        app: shop
        strategy: backup-restore
        objectives: {rto: 5m, rpo: 1m}
        """
    result = loaded(plan_text(text) + VALID_TAIL)
    assert [str(w) for w in result.warnings] == [
        "p.yaml:3:11: warning: strategy backup-restore recovers in hours to days; it cannot "
        "meet an RTO of 5m (consider pilot-light or warm-standby or active-active)",
        "p.yaml:3:11: warning: strategy backup-restore loses hours of data; it cannot meet "
        "an RPO of 1m",
    ]
    assert {w.severity for w in result.warnings} == {"warning"}


def test_tier_defaults_are_checked_against_the_strategy_too() -> None:
    text = "version: 1\napp: shop\ntier: platinum\nstrategy: pilot-light\n"
    (warning,) = loaded(text + VALID_TAIL).warnings
    assert str(warning) == (
        "p.yaml:4:11: warning: strategy pilot-light recovers in 10 minutes to hours; it cannot "
        "meet an RTO of 5m (consider warm-standby or active-active)"
    )


def test_diagnostic_shapes() -> None:
    error = Diagnostic("p.yaml", 3, 7, "bad")
    warning = Diagnostic("p.yaml", 1, 2, "meh", "warning")
    assert str(error) == "p.yaml:3:7: bad"
    assert str(warning) == "p.yaml:1:2: warning: meh"
    assert warning.as_dict() == {
        "file": "p.yaml",
        "line": 1,
        "col": 2,
        "severity": "warning",
        "message": "meh",
    }


def test_every_diagnostic_has_the_plan_line_col_shape(tmp_path: Path) -> None:
    path = tmp_path / "bad plan.yaml"
    path.write_text("version: 3\napp: X\nregions: {primary: a, dr: a}\n")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert len(info.value.diagnostics) == 8
    shape = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): \S")
    assert all(shape.match(line) for line in info.value.diagnostics)


# --------------------------------------------------------------------------- files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(info.value) == f"{path}:1:1: no such plan file"
    assert info.value.diagnostics == [str(info.value)]
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert not isinstance(info.value, UsageError)


def test_a_directory_is_not_a_plan(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        load_plan(tmp_path)
    assert str(info.value) == f"{tmp_path}:1:1: is a directory, not a plan file"
    assert info.value.diagnostics == [str(info.value)]
    assert info.value.exit_code == 2


def test_a_binary_file_is_not_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"version: 1\napp: \xff\xfe\n")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    # Positioned at the first bad byte, like every other plan error.
    assert info.value.diagnostics == [
        f"{path}:2:6: not UTF-8: byte 0xff cannot be decoded (invalid start byte); "
        "save the plan as UTF-8"
    ]
    assert info.value.exit_code == 2


def test_load_plan_names_the_file_in_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\napp: shop\ntier: gold\nstrategy: warm-standby\n" + VALID_TAIL)
    assert load_plan(path).path == str(path)
    path.write_text("version: 1\napp: shop\n  bad: indent\n")
    with pytest.raises(PlanError) as info:
        load_plan(str(path))
    assert info.value.diagnostics == [
        f"{path}:3:6: YAML syntax error: mapping values are not allowed in this context"
    ]
