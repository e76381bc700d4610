"""C++ (and gRPC) code generation with the system protoc and grpc_cpp_plugin.

gRPC's own Bazel rules are not packaged by Debian, and Bazel's proto_library
would need the protobuf source repository. A genrule over /usr/bin/protoc
feeding a cc_library needs neither.
"""

def cc_grpc_proto_library(name, srcs, deps = [], grpc_srcs = [], **kwargs):
    """Generates messages for `srcs` and services for `grpc_srcs`.

    Args:
      name: the cc_library's name.
      srcs: .proto files in this package (imports relative to the workspace root).
      deps: other cc_grpc_proto_library targets whose protos these import.
      grpc_srcs: the subset of srcs that define services.
      **kwargs: passed to the cc_library.
    """
    stems = [s[:-len(".proto")] for s in srcs]
    grpc_stems = [s[:-len(".proto")] for s in grpc_srcs]
    pb_outs = [s + ".pb.h" for s in stems] + [s + ".pb.cc" for s in stems]
    grpc_outs = [s + ".grpc.pb.h" for s in grpc_stems] + [s + ".grpc.pb.cc" for s in grpc_stems]
    dep_protos = [d + "_protos" for d in deps]

    native.filegroup(
        name = name + "_protos",
        srcs = srcs,
        visibility = kwargs.get("visibility"),
    )

    native.genrule(
        name = name + "_pb",
        srcs = srcs + dep_protos,
        outs = pb_outs,
        cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR) " +
              " ".join(["$(location %s)" % s for s in srcs]),
    )

    hdrs = [s + ".pb.h" for s in stems]
    cc_srcs = [s + ".pb.cc" for s in stems]
    if grpc_srcs:
        native.genrule(
            name = name + "_grpc_pb",
            srcs = srcs + dep_protos,
            outs = grpc_outs,
            cmd = "/usr/bin/protoc -I. --grpc_out=$(GENDIR) " +
                  "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin " +
                  " ".join(["$(location %s)" % s for s in grpc_srcs]),
        )
        hdrs = hdrs + [s + ".grpc.pb.h" for s in grpc_stems]
        cc_srcs = cc_srcs + [s + ".grpc.pb.cc" for s in grpc_stems]

    native.cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        deps = deps + ["//third_party:protobuf", "//third_party:grpc"],
        **kwargs
    )
