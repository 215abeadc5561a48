/**
 * A minimal protocol-buffers encoder for the few ONNX messages the engine writes (ModelProto,
 * GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto). Field numbers are those of
 * onnx/onnx.proto3. Encoding only: the engine builds its graphs and never reads models back,
 * so a protobuf library (and a generated schema) would be dead weight.
 */

/** ONNX TensorProto.DataType values used here */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

/** AttributeProto.AttributeType */
const enum AttrType {
  FLOAT = 1,
  INT = 2,
  TENSOR = 4,
  INTS = 7,
}

class Writer {
  private chunks: number[] = [];

  /** non-negative integers below 2^53 as plain numbers; negative int64 as 10-byte two's complement */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }

  tag(field: number, wire: Wire): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, Wire.Bytes);
    this.varint(data.length);
    for (const b of data) this.chunks.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, Wire.Varint);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, Wire.Fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.chunks.push(x);
  }

  message(field: number, body: Writer): void {
    this.bytes(field, body.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

export interface TensorSpec {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** little-endian element bytes (TensorProto.raw_data) */
  raw: Uint8Array;
}

export interface AttributeSpec {
  name: string;
  f?: number;
  i?: number;
  ints?: number[];
  t?: TensorSpec;
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes: AttributeSpec[];
}

export interface ValueInfoSpec {
  name: string;
  elemType: DataTypeCode;
  /** a number is a fixed dimension, a string a symbolic (dynamic) one */
  shape: (number | string)[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueInfoSpec[];
  outputs: ValueInfoSpec[];
  initializers: TensorSpec[];
}

function tensor(t: TensorSpec): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, t.dataType); // data_type
  w.string(8, t.name); // name
  w.bytes(9, t.raw); // raw_data
  return w;
}

function attribute(a: AttributeSpec): Writer {
  const w = new Writer();
  w.string(1, a.name);
  if (a.f !== undefined) {
    w.float(2, a.f);
    w.int(20, AttrType.FLOAT);
  } else if (a.i !== undefined) {
    w.int(3, a.i);
    w.int(20, AttrType.INT);
  } else if (a.t !== undefined) {
    w.message(5, tensor(a.t));
    w.int(20, AttrType.TENSOR);
  } else if (a.ints !== undefined) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, AttrType.INTS);
  } else {
    throw new Error(`attribute '${a.name}' has no value`);
  }
  return w;
}

function node(n: NodeSpec): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, attribute(a));
  return w;
}

function valueInfo(v: ValueInfoSpec): Writer {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = new Writer();
    if (typeof d === 'number')
      dim.int(1, d); // dim_value
    else dim.string(2, d); // dim_param
    shape.message(1, dim);
  }
  const tensorType = new Writer();
  tensorType.int(1, v.elemType); // elem_type
  tensorType.message(2, shape); // shape
  const type = new Writer();
  type.message(1, tensorType); // TypeProto.tensor_type
  const w = new Writer();
  w.string(1, v.name);
  w.message(2, type);
  return w;
}

function graph(g: GraphSpec): Writer {
  const w = new Writer();
  for (const n of g.nodes) w.message(1, node(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensor(t));
  for (const v of g.inputs) w.message(11, valueInfo(v));
  for (const v of g.outputs) w.message(12, valueInfo(v));
  return w;
}

/** A serialized ModelProto for the default ONNX domain at `opset`. */
export function encodeModel(g: GraphSpec, opset: number, irVersion: number): Uint8Array {
  const w = new Writer();
  w.int(1, irVersion); // ir_version
  w.string(2, 'dagr-lens'); // producer_name
  w.message(7, graph(g)); // graph
  const op = new Writer();
  op.string(1, ''); // domain: the default ai.onnx
  op.int(2, opset);
  w.message(8, op); // opset_import
  return w.finish();
}
