"""The tfplugin6 gRPC server and the go-plugin handshake."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from genesys_audit_tools.standin import applied, codec, datasources, schemas
from genesys_audit_tools.standin.planning import mark_computed_unknown

ACCOUNT_ENV = "GENESYS_AUDIT_STANDIN_ACCOUNT_ID"
# "1": plan as if applied: computed identifiers get the values AWS would assign (see applied.py).
AS_APPLIED_ENV = "GENESYS_AUDIT_STANDIN_AS_APPLIED"
CACHE_ENV = "GENESYS_AUDIT_STANDIN_CACHE_DIR"


def _error(summary: str, detail: str = "") -> Any:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


class StandInProvider(rpc.ProviderServicer):  # type: ignore[misc]
    """Serves one provider's real schema and plans without any cloud API."""

    def __init__(self, spec: schemas.ProviderSpec, stop: threading.Event, *, persistent: bool = False) -> None:
        self.spec = spec
        # Persistent (reattached) servers outlive each Terraform command: StopProvider does not end them.
        self.persistent = persistent
        self.schema = schemas.provider_schema(spec.address)
        self.resources: dict[str, Any] = self.schema.get("resource_schemas", {})
        self.data_sources: dict[str, Any] = self.schema.get("data_source_schemas", {})
        self.ctx = datasources.ProviderContext(region=None, account_id="", default_tags={})
        self._stop = stop
        self._schema_response: bytes | None = None

    # -- schema -------------------------------------------------------------------------------
    def schema_response_bytes(self) -> bytes:
        """The serialized GetProviderSchema response, built once."""
        if self._schema_response is not None:
            return self._schema_response
        cached = self._schema_cache_path()
        if cached is not None and cached.exists():
            self._schema_response = cached.read_bytes()
            return self._schema_response
        response = pb.GetProviderSchema.Response(
            provider=schemas.to_protobuf(pb, self.schema["provider"]),
            resource_schemas={k: schemas.to_protobuf(pb, v) for k, v in self.resources.items()},
            data_source_schemas={k: schemas.to_protobuf(pb, v) for k, v in self.data_sources.items()},
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
        )
        self._schema_response = response.SerializeToString()
        if cached is not None:
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
            tmp.write_bytes(self._schema_response)
            tmp.replace(cached)
        return self._schema_response

    def _schema_cache_path(self) -> Path | None:
        """Where the serialized schema is cached: keyed by the schema source and this converter."""
        directory = os.environ.get(CACHE_ENV)
        if not directory:
            return None
        source = schemas.schema_source_path(self.spec.address)
        stat = source.stat()
        converter = Path(schemas.__file__).stat()
        key = hashlib.sha256(
            f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{converter.st_mtime_ns}|{pb.__file__}".encode()
        ).hexdigest()[:16]
        return Path(directory) / f"schema-{self.spec.type_name}-{key}.pb"

    def GetMetadata(self, request: Any, context: Any) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in self.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in self.data_sources],
        )

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        return pb.GetProviderSchema.Response.FromString(self.schema_response_bytes())

    # -- validation: Terraform core enforces the schema; the stand-in adds nothing ---------------
    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        config = codec.decode(request.config.msgpack) or {}
        region = config.get("region")
        if not isinstance(region, str):
            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        allowed = config.get("allowed_account_ids")
        account = os.environ.get(ACCOUNT_ENV) or (
            sorted(allowed)[0] if isinstance(allowed, list) and allowed and codec.is_known(allowed) else None
        )
        tags: dict[str, str] = {}
        for block in config.get("default_tags") or []:
            if isinstance(block, dict) and isinstance(block.get("tags"), dict):
                tags.update(block["tags"])
        self.ctx = datasources.ProviderContext(
            region=region, account_id=account or datasources.DEFAULT_ACCOUNT_ID, default_tags=tags
        )
        diagnostics = []
        if self.spec.address == schemas.AWS and not region:
            diagnostics.append(
                _error(
                    "Invalid provider configuration",
                    "The AWS provider needs a region: set `region` in the provider block, or AWS_REGION.",
                )
            )
        return pb.ConfigureProvider.Response(diagnostics=diagnostics)

    # -- resources ----------------------------------------------------------------------------
    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        import json

        raw = json.loads(request.raw_state.json) if request.raw_state.json else None
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=codec.encode(raw)))

    def ReadResource(self, request: Any, context: Any) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        proposed = codec.decode(request.proposed_new_state.msgpack)
        prior = codec.decode(request.prior_state.msgpack)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        block = self.resources[request.type_name]["block"]
        attributes = block.get("attributes", {})
        planned = dict(proposed)
        if "region" in attributes and planned.get("region") is None:
            planned["region"] = self.ctx.region
        if "tags_all" in attributes and planned.get("tags_all") is None:
            tags = planned.get("tags")
            if tags is None or codec.is_known(tags):
                planned["tags_all"] = {**self.ctx.default_tags, **(tags or {})}
        if prior is None:
            planned = mark_computed_unknown(block, planned) or planned
            if os.environ.get(AS_APPLIED_ENV) == "1":
                planned = applied.fill(request.type_name, planned, self.ctx)
        return pb.PlanResourceChange.Response(planned_state=pb.DynamicValue(msgpack=codec.encode(planned)))

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        return pb.ApplyResourceChange.Response(
            diagnostics=[
                _error(
                    "The stand-in provider cannot apply",
                    f"{self.spec.address} here is a schema-faithful stand-in for offline plans. "
                    "Apply with the real provider.",
                )
            ]
        )

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        return pb.ImportResourceState.Response(
            diagnostics=[_error("The stand-in provider cannot import", "Import with the real provider.")]
        )

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        config = codec.decode(request.config.msgpack) or {}
        block = self.data_sources[request.type_name]["block"]
        try:
            state = datasources.read(self.ctx, request.type_name, block, config)
        except ValueError as exc:
            return pb.ReadDataSource.Response(diagnostics=[_error(f"{request.type_name}: {exc}")])
        return pb.ReadDataSource.Response(state=pb.DynamicValue(msgpack=codec.encode(state)))

    def GetFunctions(self, request: Any, context: Any) -> Any:
        return pb.GetFunctions.Response()

    def StopProvider(self, request: Any, context: Any) -> Any:
        if not self.persistent:
            self._stop.set()
        return pb.StopProvider.Response()


class _Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def Shutdown(self, request: Any, context: Any) -> Any:
        # Without this, Terraform waits two seconds per provider process before killing it.
        self._stop.set()
        return controller_pb.Empty()


class _Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
    def StreamStdio(self, request: Any, context: Any) -> Any:
        return iter(())


def _grpc_server(provider: StandInProvider, stop: threading.Event) -> Any:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_send_message_length", 256 << 20), ("grpc.max_receive_message_length", 256 << 20)],
    )
    rpc.add_ProviderServicer_to_server(provider, server)
    controller_rpc.add_GRPCControllerServicer_to_server(_Controller(stop), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(_Stdio(), server)
    return server


def _certificate(cert_dir: Path) -> tuple[bytes, bytes, bytes]:
    """(key PEM, cert PEM, cert DER) of a self-signed localhost certificate, cached in cert_dir."""
    key_path, cert_path = cert_dir / "standin-key.pem", cert_dir / "standin-cert.pem"
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if key_path.exists() and cert_path.exists():
        cert_pem = cert_path.read_bytes()
        cert = x509.load_pem_x509_certificate(cert_pem)
        return key_path.read_bytes(), cert_pem, cert.public_bytes(serialization.Encoding.DER)
    import datetime

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_dir.mkdir(parents=True, exist_ok=True)
    tmp = key_path.with_suffix(f".{os.getpid()}")
    tmp.write_bytes(key_pem)
    tmp.chmod(0o600)
    tmp.replace(key_path)
    cert_path.write_bytes(cert_pem)
    return key_pem, cert_pem, cert.public_bytes(serialization.Encoding.DER)


def serve(address: str) -> None:
    """Run the provider until Terraform stops it."""
    spec = schemas.PROVIDERS[address]
    stop = threading.Event()
    server = _grpc_server(StandInProvider(spec, stop), stop)
    cert_dir = Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "genesys-audit-standin")
    key_pem, cert_pem, cert_der = _certificate(cert_dir)
    # Terraform's AutoMTLS client certificate is ECDSA P-521, which grpcio's TLS does not negotiate:
    # serve TLS without requiring the client certificate. The socket lives in a private directory.
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="tfstandin-") as tmp:
        socket_path = f"{tmp}/plugin.sock"
        server.add_secure_port(f"unix://{socket_path}", credentials)
        server.start()
        cert_b64 = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"1|6|unix|{socket_path}|grpc|{cert_b64}\n")
        sys.stdout.flush()
        stop.wait()
        server.stop(grace=0.2)


REATTACH_FLAG = "--reattach"


def serve_reattach() -> None:
    """Serve every provider for `TF_REATTACH_PROVIDERS`, across many Terraform commands.

    Terraform then connects to these servers instead of starting one provider process per provider per
    command (init, validate, plan and show each start them otherwise). Prints the variable's JSON value
    as one line, then reads commands on stdin until it closes: `cwd DIR` makes DIR the working directory
    (relative paths in a configuration, e.g. archive_file's, are relative to Terraform's) and answers
    `ok DIR`. The sockets live in a private directory; as for reattached providers in Terraform's own
    test framework, the connection is local and plaintext and the process ends itself ("Test": true).
    """
    stop = threading.Event()
    servers = []
    reattach: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tfstandin-") as tmp:
        os.chmod(tmp, 0o700)
        for address, spec in schemas.PROVIDERS.items():
            server = _grpc_server(StandInProvider(spec, stop, persistent=True), threading.Event())
            socket_path = f"{tmp}/{spec.type_name}.sock"
            server.add_insecure_port(f"unix://{socket_path}")
            server.start()
            servers.append(server)
            reattach[address] = {
                "Protocol": "grpc",
                "ProtocolVersion": 6,
                "Pid": os.getpid(),
                "Test": True,
                "Addr": {"Network": "unix", "String": socket_path},
            }
        sys.stdout.write(json.dumps(reattach) + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            command, _, argument = line.rstrip("\n").partition(" ")
            if command == "cwd":
                os.chdir(argument)
                sys.stdout.write(f"ok {argument}\n")
            else:
                sys.stdout.write(f"error unknown command {command!r}\n")
            sys.stdout.flush()
        for server in servers:
            server.stop(grace=0.2)


def main(argv: list[str] | None = None) -> int:
    """`python -m genesys_audit_tools.standin PROVIDER_ADDRESS` (started by Terraform), or
    `python -m genesys_audit_tools.standin --reattach` (started by the harness)."""
    args = sys.argv[1:] if argv is None else argv
    if args == [REATTACH_FLAG]:
        serve_reattach()
        return 0
    if len(args) != 1 or args[0] not in schemas.PROVIDERS:
        sys.stderr.write(f"usage: standin ADDRESS, one of {', '.join(schemas.PROVIDERS)}\n")
        return 2
    if os.environ.get("TF_PLUGIN_MAGIC_COOKIE") is None:
        sys.stderr.write("This is a Terraform provider plugin; Terraform starts it.\n")
        return 1
    serve(args[0])
    return 0
