//===- ModelStats.cpp - per-layer cost accounting of a cnn model ----------===//

#include "compiler/Analysis/ModelStats.h"
#include "dialect/CnnOps.h"
#include "dialect/CnnShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"
#include <fmt/format.h>

using namespace mlir;
using namespace convc;
namespace cnn = convc::cnn;

namespace {

/// The receptive field of a value: window size and jump per spatial dim.
struct Field {
  int64_t size[2] = {1, 1}, jump[2] = {1, 1};
  bool global = false;
};

int64_t numel(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

/// Trained parameters: the elements of a cnn.weight (constants written in
/// the model are not parameters).
int64_t paramsOf(Value v) {
  return v && v.getDefiningOp<cnn::WeightOp>() ? numel(v) : 0;
}

std::string layerName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().str();
  return op->getName().stripDialect().str();
}

/// The layer kind as the language spells it (conv2d, not conv).
std::string opName(Operation *op) {
  if (isa<cnn::ConvOp, cnn::ConvTransposeOp>(op))
    return cnn::convName(
        isa<cnn::ConvOp>(op) ? "conv" : "conv_transpose",
        cast<RankedTensorType>(op->getResult(0).getType()).getRank());
  return op->getName().stripDialect().str();
}

/// The field after a window of `kernel` (dilated) with `strides`.
Field window(Field in, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
             ArrayRef<int64_t> dilations) {
  Field out = in;
  // The first two spatial dims (W alone in 1-D, D and H in 3-D).
  for (size_t i = 0; i < std::min<size_t>(2, kernel.size()); ++i) {
    int64_t k = dilations[i] * (kernel[i] - 1) + 1;
    out.size[i] = in.size[i] + (k - 1) * in.jump[i];
    out.jump[i] = in.jump[i] * strides[i];
  }
  return out;
}

/// The field after a transposed window: an output sees ceil(k/s) inputs,
/// and neighbouring outputs are 1/s input steps apart (kept at least 1,
/// so the jump is a bound after upsampling).
Field transposedWindow(Field in, ArrayRef<int64_t> kernel,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  Field out = in;
  for (size_t i = 0; i < std::min<size_t>(2, kernel.size()); ++i) {
    int64_t k = dilations[i] * (kernel[i] - 1) + 1;
    int64_t seen = (k + strides[i] - 1) / strides[i];
    out.size[i] = in.size[i] + (seen - 1) * in.jump[i];
    out.jump[i] = std::max<int64_t>(in.jump[i] / strides[i], 1);
  }
  return out;
}

/// The union of the fields of an op's tensor operands (weights excluded).
Field merge(Operation *op, const llvm::DenseMap<Value, Field> &fields) {
  Field f;
  for (Value v : op->getOperands()) {
    auto it = fields.find(v);
    if (it == fields.end())
      continue;
    for (int i = 0; i < 2; ++i) {
      f.size[i] = std::max(f.size[i], it->second.size[i]);
      f.jump[i] = std::max(f.jump[i], it->second.jump[i]);
    }
    f.global |= it->second.global;
  }
  return f;
}

} // namespace

std::vector<LayerStats> convc::computeModelStats(ModuleOp module) {
  std::vector<LayerStats> all;
  llvm::DenseMap<Value, Field> fields;
  for (auto func : module.getOps<func::FuncOp>()) {
    for (BlockArgument arg : func.getArguments())
      fields[arg] = Field();
    func.walk([&](Operation *op) {
      if (isa<cnn::WeightOp, cnn::ConstantOp>(op) || op->getNumResults() != 1 ||
          !isa<cnn::CnnDialect>(op->getDialect()))
        return;
      LayerStats s;
      Value out = op->getResult(0);
      s.name = layerName(op);
      s.op = opName(op);
      auto outType = cast<RankedTensorType>(out.getType());
      s.shape.assign(outType.getShape().begin(), outType.getShape().end());
      s.activationBytes =
          numel(out) * outType.getElementType().getIntOrFloatBitWidth() / 8;
      for (Value v : op->getOperands())
        if (v.getDefiningOp<cnn::WeightOp>() ||
            v.getDefiningOp<cnn::ConstantOp>())
          s.weightBytes += numel(v) * 4;
      Field in = merge(op, fields);
      Field f = in;
      llvm::TypeSwitch<Operation *>(op)
          .Case([&](cnn::ConvOp c) {
            s.params = paramsOf(c.getWeight()) + paramsOf(c.getBias());
            // Each output sums over one group's inputs times the kernel.
            s.macs = numel(out) * (numel(c.getWeight()) /
                                   c.getWeight().getType().getDimSize(0));
            s.flops = 2 * s.macs;
            f = window(in, c.getWeight().getType().getShape().drop_front(2),
                       c.getStrides(), c.getDilations());
          })
          .Case([&](cnn::ConvTransposeOp c) {
            s.params = paramsOf(c.getWeight()) + paramsOf(c.getBias());
            // Every input element meets F/groups * K weights.
            s.macs =
                numel(c.getInput()) *
                (numel(c.getWeight()) / c.getWeight().getType().getDimSize(0));
            s.flops = 2 * s.macs;
            f = transposedWindow(
                in, c.getWeight().getType().getShape().drop_front(2),
                c.getStrides(), c.getDilations());
          })
          .Case([&](cnn::LinearOp l) {
            s.params = paramsOf(l.getWeight()) + paramsOf(l.getBias());
            s.macs = numel(out) * l.getWeight().getType().getDimSize(1);
            s.flops = 2 * s.macs;
            f.global = true;
          })
          .Case([&](cnn::BatchNormOp b) {
            s.params = paramsOf(b.getWeight()) + paramsOf(b.getBias());
            s.flops = 2 * numel(out); // a multiply and an add per element
          })
          .Case([&](cnn::MaxPool2dOp p) {
            s.flops = numel(out) * p.getKernel()[0] * p.getKernel()[1];
            f = window(in, p.getKernel(), p.getStrides(), p.getDilations());
          })
          .Case([&](cnn::AvgPool2dOp p) {
            s.flops = numel(out) * p.getKernel()[0] * p.getKernel()[1];
            int64_t unit[] = {1, 1};
            f = window(in, p.getKernel(), p.getStrides(), unit);
          })
          .Case<cnn::GlobalAvgPoolOp, cnn::GlobalMaxPoolOp>([&](Operation *g) {
            s.flops = numel(g->getOperand(0));
            f.global = true;
          })
          .Case([&](cnn::FlattenOp) { f.global = true; })
          .Case([&](cnn::ReshapeOp) { f.global = true; })
          .Case([&](cnn::SoftmaxOp) { s.flops = 4 * numel(out); })
          .Default([&](Operation *) { s.flops = numel(out); });
      s.rfGlobal = f.global;
      for (int i = 0; i < 2; ++i) {
        s.rfSize[i] = f.size[i];
        s.rfJump[i] = f.jump[i];
      }
      fields[out] = f;
      all.push_back(std::move(s));
    });
  }
  return all;
}

static std::string withCommas(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

static std::string bytes(int64_t b) {
  if (b >= 1 << 20)
    return fmt::format("{:.2f} MiB", b / double(1 << 20));
  if (b >= 1 << 10)
    return fmt::format("{:.1f} KiB", b / double(1 << 10));
  return fmt::format("{} B", b);
}

static std::string field(const LayerStats &s) {
  if (s.rfGlobal)
    return "global";
  return fmt::format("{}x{} /{}x{}", s.rfSize[0], s.rfSize[1], s.rfJump[0],
                     s.rfJump[1]);
}

void convc::printStatsTable(ArrayRef<LayerStats> stats, llvm::raw_ostream &os) {
  size_t nameWidth = 5;
  for (const LayerStats &s : stats)
    nameWidth = std::max(nameWidth, s.name.size());
  auto row =
      [&](llvm::StringRef name, llvm::StringRef op, llvm::StringRef shape,
          llvm::StringRef params, llvm::StringRef macs, llvm::StringRef flops,
          llvm::StringRef act, llvm::StringRef weight, llvm::StringRef rf) {
        os << fmt::format(
            "{:<{}}  {:<16} {:<18} {:>12} {:>15} {:>15} {:>11} {:>11}  {}\n",
            name.str(), nameWidth, op.str(), shape.str(), params.str(),
            macs.str(), flops.str(), act.str(), weight.str(), rf.str());
      };
  row("layer", "op", "output", "params", "MACs", "FLOPs", "act mem",
      "weight mem", "receptive field (size /jump)");
  LayerStats total;
  for (const LayerStats &s : stats) {
    row(s.name, s.op, cnn::formatShape(s.shape), withCommas(s.params),
        withCommas(s.macs), withCommas(s.flops), bytes(s.activationBytes),
        bytes(s.weightBytes), field(s));
    total.params += s.params;
    total.macs += s.macs;
    total.flops += s.flops;
    total.activationBytes += s.activationBytes;
    total.weightBytes += s.weightBytes;
  }
  row("total", fmt::format("{} layers", stats.size()), "",
      withCommas(total.params), withCommas(total.macs), withCommas(total.flops),
      bytes(total.activationBytes), bytes(total.weightBytes), "");
}

void convc::printStatsJson(ArrayRef<LayerStats> stats, llvm::raw_ostream &os) {
  llvm::json::Array layers;
  int64_t params = 0, macs = 0, flops = 0, act = 0, weight = 0;
  for (const LayerStats &s : stats) {
    llvm::json::Object rf{{"global", s.rfGlobal}};
    if (!s.rfGlobal) {
      rf["size"] = llvm::json::Array{s.rfSize[0], s.rfSize[1]};
      rf["jump"] = llvm::json::Array{s.rfJump[0], s.rfJump[1]};
    }
    layers.push_back(llvm::json::Object{{"name", s.name},
                                        {"op", s.op},
                                        {"shape", llvm::json::Array(s.shape)},
                                        {"params", s.params},
                                        {"macs", s.macs},
                                        {"flops", s.flops},
                                        {"activation_bytes", s.activationBytes},
                                        {"weight_bytes", s.weightBytes},
                                        {"receptive_field", std::move(rf)}});
    params += s.params;
    macs += s.macs;
    flops += s.flops;
    act += s.activationBytes;
    weight += s.weightBytes;
  }
  llvm::json::Value doc = llvm::json::Object{
      {"layers", std::move(layers)},
      {"total", llvm::json::Object{{"params", params},
                                   {"macs", macs},
                                   {"flops", flops},
                                   {"activation_bytes", act},
                                   {"weight_bytes", weight}}}};
  os << llvm::formatv("{0:2}", doc) << "\n";
}

void convc::printModelDot(ModuleOp module, llvm::raw_ostream &os) {
  os << "digraph model {\n  rankdir=TB;\n  node [shape=box, "
        "fontname=\"monospace\"];\n";
  llvm::DenseMap<Value, std::string> nodeOf;
  unsigned next = 0;
  auto quote = [](llvm::StringRef s) {
    std::string q;
    for (char c : s)
      q += c == '"' ? std::string("\\\"") : std::string(1, c);
    return q;
  };
  for (auto func : module.getOps<func::FuncOp>()) {
    for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
      auto name = func.getArgAttrOfType<StringAttr>(i, "cnn.name");
      std::string id = "n" + std::to_string(next++);
      os << "  " << id << " [label=\"input "
         << quote(name ? name.getValue() : "") << "\", shape=ellipse];\n";
      nodeOf[arg] = id;
    }
    func.walk([&](Operation *op) {
      if (isa<cnn::WeightOp, cnn::ConstantOp>(op))
        return;
      std::string id = "n" + std::to_string(next++);
      bool isReturn = isa<func::ReturnOp>(op);
      os << "  " << id << " [label=\""
         << (isReturn ? std::string("outputs")
                      : quote(layerName(op)) + "\\n" + opName(op))
         << "\"" << (isReturn ? ", shape=ellipse" : "") << "];\n";
      for (Value v : op->getOperands()) {
        auto it = nodeOf.find(v);
        if (it == nodeOf.end())
          continue;
        os << "  " << it->second << " -> " << id << " [label=\""
           << cnn::formatShape(cast<RankedTensorType>(v.getType()).getShape())
           << "\"];\n";
      }
      if (op->getNumResults() == 1)
        nodeOf[op->getResult(0)] = id;
    });
  }
  os << "}\n";
}
