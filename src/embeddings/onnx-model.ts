import protobuf from 'protobufjs/light.js';

/**
 * The handful of ONNX messages the project writes (a model holding one graph of plain nodes, tensors
 * and tensor-typed inputs/outputs), with the field numbers of onnx.proto (ONNX IR version 8). Encoded
 * with protobufjs' reflection ("light") build: no .proto parser is loaded, and the schema is this
 * constant, never input. Fields the project does not write are left out; readers skip what is absent.
 */
const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            producerName: { id: 2, type: 'string' },
            producerVersion: { id: 3, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
            opsetImport: { id: 8, rule: 'repeated', type: 'OperatorSetIdProto' },
          },
        },
        OperatorSetIdProto: { fields: { domain: { id: 1, type: 'string' }, version: { id: 2, type: 'int64' } } },
        GraphProto: {
          fields: {
            node: { id: 1, rule: 'repeated', type: 'NodeProto' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, rule: 'repeated', type: 'TensorProto' },
            input: { id: 11, rule: 'repeated', type: 'ValueInfoProto' },
            output: { id: 12, rule: 'repeated', type: 'ValueInfoProto' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, rule: 'repeated', type: 'string' },
            output: { id: 2, rule: 'repeated', type: 'string' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
            attribute: { id: 5, rule: 'repeated', type: 'AttributeProto' },
          },
        },
        AttributeProto: {
          fields: { name: { id: 1, type: 'string' }, i: { id: 3, type: 'int64' }, type: { id: 20, type: 'int32' } },
        },
        TensorProto: {
          fields: {
            // Packed, as proto3 writes repeated numbers (and as onnx.proto3 declares them).
            dims: { id: 1, rule: 'repeated', type: 'int64', options: { packed: true } },
            dataType: { id: 2, type: 'int32' },
            name: { id: 8, type: 'string' },
            rawData: { id: 9, type: 'bytes' },
          },
        },
        ValueInfoProto: { fields: { name: { id: 1, type: 'string' }, type: { id: 2, type: 'TypeProto' } } },
        TypeProto: {
          fields: { tensorType: { id: 1, type: 'TensorTypeProto' } },
        },
        // TypeProto.Tensor in onnx.proto; a nested message's name is not part of its encoding.
        TensorTypeProto: { fields: { elemType: { id: 1, type: 'int32' }, shape: { id: 2, type: 'TensorShapeProto' } } },
        TensorShapeProto: { fields: { dim: { id: 1, rule: 'repeated', type: 'Dimension' } } },
        Dimension: { fields: { dimValue: { id: 1, type: 'int64' }, dimParam: { id: 2, type: 'string' } } },
      },
    },
  },
};

/** TensorProto.DataType values used here. */
export const TENSOR_TYPE = { FLOAT: 1, INT64: 7 } as const;
/** AttributeProto.AttributeType values used here. */
export const ATTRIBUTE_TYPE = { INT: 2 } as const;

/** A dimension: a fixed size, or a named symbolic one such as "batch_size". */
export type Dim = number | string;

export interface TensorValueInfo {
  name: string;
  elemType: number;
  dims: readonly Dim[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  input: readonly string[];
  output: readonly string[];
  /** Integer attributes by name (the only kind the project's graphs use). */
  intAttributes?: Readonly<Record<string, number>>;
}

export interface OnnxInitializer {
  name: string;
  dataType: number;
  dims: readonly number[];
  /** Little-endian element bytes. */
  rawData: Uint8Array;
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: { name: string; nodes: readonly OnnxNode[]; initializers: readonly OnnxInitializer[]; inputs: readonly TensorValueInfo[]; outputs: readonly TensorValueInfo[] };
}

const ModelProto = protobuf.Root.fromJSON(schema).lookupType('onnx.ModelProto');

const valueInfo = (v: TensorValueInfo) => ({
  name: v.name,
  type: { tensorType: { elemType: v.elemType, shape: { dim: v.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

/** The model as ONNX protobuf bytes (what `onnx/model.onnx` holds). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const { graph } = model;
  const message = ModelProto.fromObject({
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    opsetImport: [{ domain: '', version: model.opsetVersion }],
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: n.input,
        output: n.output,
        attribute: Object.entries(n.intAttributes ?? {}).map(([name, i]) => ({ name, type: ATTRIBUTE_TYPE.INT, i })),
      })),
      initializer: graph.initializers.map((t) => ({ name: t.name, dataType: t.dataType, dims: t.dims, rawData: t.rawData })),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  });
  return ModelProto.encode(message).finish();
}

/** Decodes bytes written by {@link encodeOnnxModel} into plain objects (int64 as numbers), for checks. */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as Record<string, unknown>;
}
