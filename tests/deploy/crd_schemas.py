"""JSON Schemas for the custom resources kubernetes-validate does not ship: KEDA's
ScaledObject and TriggerAuthentication (keda.sh/v1alpha1, the fields of KEDA 2.x's CRDs
this deployment uses, closed so a typo fails) and the Prometheus Operator's PodMonitor."""

from __future__ import annotations

from typing import Any

NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}
QUANTITY = {"type": "string", "pattern": r"^[0-9]+$"}


def _object(kind: str, api: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": api},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": NAME,
                    "namespace": NAME,
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "additionalProperties": False,
            },
            "spec": spec,
        },
    }


REDIS_TRIGGER = {
    "type": "object",
    "required": ["type", "metadata"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "redis"},
        "name": {"type": "string"},
        "authenticationRef": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": NAME, "kind": {"enum": ["TriggerAuthentication"]}},
            "additionalProperties": False,
        },
        "metadata": {
            "type": "object",
            "required": ["listName", "listLength"],
            "oneOf": [{"required": ["address"]}, {"required": ["addressFromEnv"]}],
            "additionalProperties": False,
            "properties": {
                "address": {"type": "string", "pattern": r"^[^:/\s]+:[0-9]+$"},
                "addressFromEnv": {"type": "string"},
                "listName": {"type": "string", "pattern": r"^dramatiq:[a-z_.]+$"},
                "listLength": QUANTITY,
                "activationListLength": QUANTITY,
                "databaseIndex": QUANTITY,
                "enableTLS": {"enum": ["true", "false"]},
                "unsafeSsl": {"enum": ["true", "false"]},
            },
        },
    },
}

SCALED_OBJECT = _object(
    "ScaledObject",
    "keda.sh/v1alpha1",
    {
        "type": "object",
        "required": ["scaleTargetRef", "triggers"],
        "additionalProperties": False,
        "properties": {
            "scaleTargetRef": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": NAME,
                    "kind": {"type": "string"},
                    "apiVersion": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "minReplicaCount": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "pollingInterval": {"type": "integer", "minimum": 1},
            "cooldownPeriod": {"type": "integer", "minimum": 0},
            "triggers": {"type": "array", "minItems": 1, "items": REDIS_TRIGGER},
        },
    },
)

TRIGGER_AUTHENTICATION = _object(
    "TriggerAuthentication",
    "keda.sh/v1alpha1",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "secretTargetRef": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["parameter", "name", "key"],
                    "additionalProperties": False,
                    "properties": {
                        # The redis scaler's authentication parameters.
                        "parameter": {"enum": ["username", "password", "tls", "ca", "cert", "key"]},
                        "name": NAME,
                        "key": {"type": "string"},
                    },
                },
            }
        },
    },
)

POD_MONITOR = _object(
    "PodMonitor",
    "monitoring.coreos.com/v1",
    {
        "type": "object",
        "required": ["selector", "podMetricsEndpoints"],
        "additionalProperties": False,
        "properties": {
            "selector": {
                "type": "object",
                "properties": {"matchLabels": {"type": "object"}},
                "additionalProperties": False,
            },
            "podMetricsEndpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["port"],
                    "additionalProperties": False,
                    "properties": {
                        "port": {"type": "string"},
                        "path": {"type": "string", "pattern": "^/"},
                        "interval": {"type": "string", "pattern": r"^[0-9]+[smh]$"},
                        "authorization": {
                            "type": "object",
                            "required": ["credentials"],
                            "additionalProperties": False,
                            "properties": {
                                "type": {"const": "Bearer"},
                                "credentials": {
                                    "type": "object",
                                    "required": ["name", "key"],
                                    "additionalProperties": False,
                                    "properties": {"name": NAME, "key": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
)

SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
    ("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITOR,
}
