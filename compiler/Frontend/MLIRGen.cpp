//===- MLIRGen.cpp - AST to the cnn dialect -------------------------------===//
//
// Each call in the AST names a layer from the table at the bottom of this
// file. Its arguments are bound to the layer's parameter list (positional,
// then keyword), each checked for kind and range, the output shape is
// inferred with the dialect's shape rules (which report misfits at the
// call), and only then are the layer's weights fetched and the op built.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGen.h"
#include "compiler/Frontend/Weights.h"
#include "dialect/CnnOps.h"
#include "dialect/CnnShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace convc;
using namespace convc::ast;
namespace cnn = convc::cnn;

namespace {

/// The largest tensor convc accepts, in elements.
constexpr int64_t kMaxElements = int64_t(1) << 31;

class MLIRGen;

/// A layer's arguments bound to its parameter names.
struct CallArgs {
  const Expr *call;
  llvm::SmallVector<const Expr *, 8> values; // by parameter index, or null
  llvm::ArrayRef<const char *> names;
  const Expr *get(llvm::StringRef name) const {
    for (auto [i, n] : llvm::enumerate(names))
      if (name == n)
        return values[i];
    llvm_unreachable("layer table and handler disagree on a parameter name");
  }
};

using LayerFn = FailureOr<Value> (MLIRGen::*)(const CallArgs &);

struct LayerDef {
  const char *name;
  std::vector<const char *> params; // in positional order
  unsigned numRequired;
  LayerFn build;
};

const std::vector<LayerDef> &layerTable();

/// The kernel, stride, dilation and padding of a windowed layer.
struct Window {
  llvm::SmallVector<int64_t, 2> kernel, strides, dilations;
  llvm::SmallVector<int64_t, 4> pad;
};

class MLIRGen {
public:
  MLIRGen(MLIRContext &ctx, WeightSource *weights)
      : ctx(ctx), builder(&ctx), weights(weights) {}

  OwningOpRef<ModuleOp> build(const File &file);

  // Layer builders (see layerTable()).
  FailureOr<Value> conv2d(const CallArgs &a);
  FailureOr<Value> linear(const CallArgs &a);
  FailureOr<Value> maxPool2d(const CallArgs &a);
  FailureOr<Value> avgPool2d(const CallArgs &a);
  FailureOr<Value> globalAvgPool(const CallArgs &a);
  FailureOr<Value> flatten(const CallArgs &a);
  FailureOr<Value> relu(const CallArgs &a);
  FailureOr<Value> add(const CallArgs &a);

private:
  LogicalResult model(const Model &m);
  FailureOr<Value> expr(const Expr &e);
  FailureOr<Value> call(const Expr &e);
  FailureOr<CallArgs> bindArgs(const Expr &e, const LayerDef &def);

  // Typed arguments.
  FailureOr<Value> tensorArg(const CallArgs &a, const char *name);
  FailureOr<int64_t> intArg(const CallArgs &a, const char *name,
                            int64_t defaultValue, int64_t min);
  FailureOr<bool> boolArg(const CallArgs &a, const char *name,
                          bool defaultValue);
  FailureOr<llvm::SmallVector<int64_t, 2>>
  pairArg(const CallArgs &a, const char *name,
          llvm::ArrayRef<int64_t> defaultValue, int64_t min);
  FailureOr<Window> windowArgs(const CallArgs &a, ArrayRef<int64_t> inShape,
                               ArrayRef<int64_t> kernel, bool hasDilation);

  /// Fetches the parameter `<binding>.<suffix>` of the current layer.
  FailureOr<Value> param(const Expr &call, llvm::StringRef suffix,
                         ArrayRef<int64_t> shape, int64_t fanIn);
  RankedTensorType tensorType(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  LogicalResult checkSize(Location loc, ArrayRef<int64_t> shape);

  MLIRContext &ctx;
  OpBuilder builder;
  WeightSource *weights;
  llvm::StringMap<Value> env;
  llvm::StringMap<Location> definedAt;
  // The binding being built and the first layer with parameters in it.
  const Binding *binding = nullptr;
  std::optional<Location> paramLayer;
  bool reportedNoWeights = false;
};

} // namespace

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static std::string kindName(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name: return "the name '" + e.text + "'";
  case Expr::Kind::Int: return "an integer";
  case Expr::Kind::Float: return "a number";
  case Expr::Kind::Bool: return "a boolean";
  case Expr::Kind::String: return "a string";
  case Expr::Kind::List: return "a list";
  case Expr::Kind::Call: return "a call to '" + e.text + "'";
  }
  return "?";
}

/// The closest name in `candidates`, if it is a plausible typo of `name`.
static std::string suggest(llvm::StringRef name,
                           llvm::ArrayRef<llvm::StringRef> candidates) {
  std::string best;
  unsigned bestDist = std::max<unsigned>(2, name.size() / 3) + 1;
  for (llvm::StringRef c : candidates) {
    unsigned d = name.edit_distance(c, true, bestDist);
    if (d < bestDist) {
      bestDist = d;
      best = c.str();
    }
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

//===----------------------------------------------------------------------===//
// Models and expressions
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> MLIRGen::build(const File &file) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(builder.getUnknownLoc());
  if (file.models.empty()) {
    emitError(builder.getUnknownLoc()) << "the file defines no model";
    return nullptr;
  }
  if (file.models.size() > 1) {
    emitError(file.models[1].loc)
        << "a file defines one model; '" << file.models[0].name
        << "' is already defined";
    return nullptr;
  }
  builder.setInsertionPointToEnd(module->getBody());
  for (const Model &m : file.models)
    if (failed(model(m)))
      return nullptr;
  if (weights)
    weights->finish(file.models.front().loc);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

LogicalResult MLIRGen::model(const Model &m) {
  static const llvm::StringSet<> reserved = {
      "main", "malloc", "free", "aligned_alloc", "memcpy", "memset",
      "memmove", "abort"};
  if (reserved.contains(m.name) || llvm::StringRef(m.name).starts_with("_") ||
      llvm::StringRef(m.name).starts_with("convc_"))
    return emitError(m.loc) << "'" << m.name
                            << "' is reserved and cannot name a model";
  llvm::SmallVector<Type> argTypes;
  for (const Param &p : m.params) {
    if (failed(checkSize(p.loc, p.type.shape)))
      return failure();
    argTypes.push_back(tensorType(p.type.shape));
  }
  auto func = func::FuncOp::create(builder, m.loc, m.name,
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, p] : llvm::enumerate(m.params)) {
    func.setArgAttr(i, "cnn.name", builder.getStringAttr(p.name));
    env[p.name] = entry->getArgument(i);
    definedAt.insert({p.name, p.loc});
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(entry);

  for (const Binding &b : m.body) {
    auto prev = definedAt.find(b.name);
    if (prev != definedAt.end()) {
      InFlightDiagnostic d = emitError(b.loc)
                             << "'" << b.name << "' is already defined";
      d.attachNote(prev->second) << "first defined here";
      return failure();
    }
    binding = &b;
    paramLayer.reset();
    auto v = expr(*b.value);
    if (failed(v))
      return failure();
    env[b.name] = *v;
    definedAt.insert({b.name, b.loc});
  }
  binding = nullptr;

  llvm::SmallVector<Value> results;
  for (const ExprPtr &r : m.results) {
    auto v = expr(*r);
    if (failed(v))
      return failure();
    results.push_back(*v);
  }
  if (!m.outputNames.empty() && m.outputNames.size() != results.size())
    return emitError(m.returnLoc)
           << "the model declares " << m.outputNames.size()
           << " output(s) but returns " << results.size();
  func::ReturnOp::create(builder, m.returnLoc, results);
  llvm::SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  llvm::StringSet<> outNames;
  for (unsigned i = 0; i < results.size(); ++i) {
    std::string name;
    if (!m.outputNames.empty())
      name = m.outputNames[i].first;
    else if (m.results[i]->kind == Expr::Kind::Name)
      name = m.results[i]->text;
    else
      name = "output" + std::to_string(i);
    if (!outNames.insert(name).second)
      return emitError(m.returnLoc) << "output name '" << name
                                    << "' is used twice";
    func.setResultAttr(i, "cnn.name", builder.getStringAttr(name));
  }
  return success();
}

FailureOr<Value> MLIRGen::expr(const Expr &e) {
  if (e.kind == Expr::Kind::Call)
    return call(e);
  if (e.kind != Expr::Kind::Name)
    return emitError(e.loc) << "expected a tensor, found " << kindName(e),
           failure();
  auto it = env.find(e.text);
  if (it != env.end())
    return it->second;
  llvm::SmallVector<llvm::StringRef> known;
  for (auto &kv : env)
    known.push_back(kv.first());
  return emitError(e.loc) << "unknown name '" << e.text << "'"
                          << suggest(e.text, known),
         failure();
}

FailureOr<Value> MLIRGen::call(const Expr &e) {
  for (const LayerDef &def : layerTable()) {
    if (e.text != def.name)
      continue;
    auto args = bindArgs(e, def);
    if (failed(args))
      return failure();
    return (this->*def.build)(*args);
  }
  llvm::SmallVector<llvm::StringRef> known;
  for (const LayerDef &def : layerTable())
    known.push_back(def.name);
  return emitError(e.loc) << "unknown layer '" << e.text << "'"
                          << suggest(e.text, known),
         failure();
}

FailureOr<CallArgs> MLIRGen::bindArgs(const Expr &e, const LayerDef &def) {
  CallArgs a{&e, {}, def.params};
  a.values.assign(def.params.size(), nullptr);
  if (e.args.size() > def.params.size())
    return emitError(e.args[def.params.size()]->loc)
               << def.name << " takes at most " << def.params.size()
               << " argument(s)",
           failure();
  for (auto [i, arg] : llvm::enumerate(e.args))
    a.values[i] = arg.get();
  for (const KwArg &kw : e.kwargs) {
    auto it = llvm::find_if(def.params, [&](const char *p) {
      return kw.name == p;
    });
    if (it == def.params.end()) {
      llvm::SmallVector<llvm::StringRef> known(def.params.begin(),
                                               def.params.end());
      return emitError(kw.loc) << def.name << " has no argument '" << kw.name
                               << "'" << suggest(kw.name, known),
             failure();
    }
    size_t idx = it - def.params.begin();
    if (a.values[idx])
      return emitError(kw.loc) << "'" << kw.name
                               << "' is already given by position",
             failure();
    a.values[idx] = kw.value.get();
  }
  for (unsigned i = 0; i < def.numRequired; ++i)
    if (!a.values[i])
      return emitError(e.loc) << def.name << " needs '" << def.params[i]
                              << "'",
             failure();
  return a;
}

//===----------------------------------------------------------------------===//
// Typed arguments
//===----------------------------------------------------------------------===//

FailureOr<Value> MLIRGen::tensorArg(const CallArgs &a, const char *name) {
  return expr(*a.get(name));
}

FailureOr<int64_t> MLIRGen::intArg(const CallArgs &a, const char *name,
                                   int64_t defaultValue, int64_t min) {
  const Expr *e = a.get(name);
  if (!e)
    return defaultValue;
  if (e->kind != Expr::Kind::Int)
    return emitError(e->loc) << "'" << name << "' must be an integer, found "
                             << kindName(*e),
           failure();
  if (e->intValue < min)
    return emitError(e->loc) << "'" << name << "' must be at least " << min
                             << ", got " << e->intValue,
           failure();
  return e->intValue;
}

FailureOr<bool> MLIRGen::boolArg(const CallArgs &a, const char *name,
                                 bool defaultValue) {
  const Expr *e = a.get(name);
  if (!e)
    return defaultValue;
  if (e->kind != Expr::Kind::Bool)
    return emitError(e->loc) << "'" << name
                             << "' must be true or false, found "
                             << kindName(*e),
           failure();
  return e->intValue != 0;
}

FailureOr<llvm::SmallVector<int64_t, 2>>
MLIRGen::pairArg(const CallArgs &a, const char *name,
                 llvm::ArrayRef<int64_t> defaultValue, int64_t min) {
  const Expr *e = a.get(name);
  if (!e)
    return llvm::SmallVector<int64_t, 2>(defaultValue);
  llvm::SmallVector<const Expr *, 2> items;
  if (e->kind == Expr::Kind::Int) {
    items = {e, e};
  } else if (e->kind == Expr::Kind::List && e->args.size() == 2) {
    items = {e->args[0].get(), e->args[1].get()};
  } else {
    return emitError(e->loc) << "'" << name
                             << "' must be an integer or a list [h, w], "
                                "found "
                             << kindName(*e),
           failure();
  }
  llvm::SmallVector<int64_t, 2> out;
  for (const Expr *item : items) {
    if (item->kind != Expr::Kind::Int || item->intValue < min)
      return emitError(item->loc) << "'" << name
                                  << "' entries must be integers >= " << min,
             failure();
    out.push_back(item->intValue);
  }
  return out;
}

/// Reads `stride` (default: `kernel` for pooling, 1 otherwise), `dilation`
/// and `pad` (an integer, [h, w], [top, left, bottom, right], or one of
/// valid / same / full).
FailureOr<Window> MLIRGen::windowArgs(const CallArgs &a,
                                      ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> kernel,
                                      bool isConv) {
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  int64_t one[] = {1, 1};
  auto strides = pairArg(a, "stride", isConv ? ArrayRef<int64_t>(one) : kernel, 1);
  if (failed(strides))
    return failure();
  w.strides = *strides;
  w.dilations.assign({1, 1});
  if (llvm::is_contained(a.names, llvm::StringRef("dilation"))) {
    auto d = pairArg(a, "dilation", one, 1);
    if (failed(d))
      return failure();
    w.dilations = *d;
  }
  const Expr *p = a.get("pad");
  w.pad.assign(4, 0);
  if (!p)
    return w;
  if (p->kind == Expr::Kind::Name) {
    for (int i = 0; i < 2; ++i) {
      int64_t k = w.dilations[i] * (w.kernel[i] - 1) + 1;
      int64_t lo = 0, hi = 0;
      if (p->text == "same") {
        // PyTorch's 'same' for stride 1 (extra padding at the end); for
        // larger strides, out = ceil(in / stride) as in TensorFlow.
        int64_t in = inShape.size() == 4 ? inShape[2 + i] : 0;
        int64_t out = (in + w.strides[i] - 1) / w.strides[i];
        int64_t total = std::max<int64_t>((out - 1) * w.strides[i] + k - in, 0);
        lo = total / 2;
        hi = total - lo;
      } else if (p->text == "full") {
        lo = hi = k - 1;
      } else if (p->text != "valid") {
        return emitError(p->loc) << "'pad' must be an integer, a list, or "
                                    "one of valid, same, full; found '"
                                 << p->text << "'",
               failure();
      }
      w.pad[i] = lo;
      w.pad[i + 2] = hi;
    }
    return w;
  }
  if (p->kind == Expr::Kind::List && p->args.size() == 4) {
    for (int i = 0; i < 4; ++i) {
      const Expr *item = p->args[i].get();
      if (item->kind != Expr::Kind::Int || item->intValue < 0)
        return emitError(item->loc)
                   << "'pad' entries must be non-negative integers",
               failure();
      w.pad[i] = item->intValue;
    }
    return w;
  }
  bool isPair = p->kind == Expr::Kind::List && p->args.size() == 2;
  if (p->kind != Expr::Kind::Int && !isPair)
    return emitError(p->loc) << "'pad' must be an integer, [h, w], [top, "
                                "left, bottom, right], valid, same or full; "
                                "found "
                             << kindName(*p),
           failure();
  auto hw = pairArg(a, "pad", {0, 0}, 0);
  if (failed(hw))
    return failure();
  w.pad = {(*hw)[0], (*hw)[1], (*hw)[0], (*hw)[1]};
  return w;
}

LogicalResult MLIRGen::checkSize(Location loc, ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d <= 0)
      return emitError(loc) << "tensor shape " << cnn::formatShape(shape)
                            << " has an empty dimension";
    if (n > kMaxElements / d)
      return emitError(loc) << "tensor shape " << cnn::formatShape(shape)
                            << " is too large (more than 2^31 elements)";
    n *= d;
  }
  return success();
}

FailureOr<Value> MLIRGen::param(const Expr &call, llvm::StringRef suffix,
                                ArrayRef<int64_t> shape, int64_t fanIn) {
  if (!binding)
    return emitError(call.loc) << "a layer with weights ('" << call.text
                               << "') must be bound to a name, which names "
                                  "its weights",
           failure();
  if (paramLayer && *paramLayer != call.loc) {
    InFlightDiagnostic d = emitError(call.loc)
                           << "'" << binding->name
                           << "' already has a layer with weights; bind "
                              "each such layer to its own name";
    d.attachNote(*paramLayer) << "the first one is here";
    return failure();
  }
  paramLayer = call.loc;
  std::string key = binding->name + "." + suffix.str();
  if (failed(checkSize(call.loc, shape)))
    return failure();
  if (!weights) {
    if (!reportedNoWeights)
      emitError(call.loc) << "the model has parameters ('" << key
                          << "'); pass --weights FILE.safetensors or "
                             "--random-weights=SEED";
    reportedNoWeights = true;
    return failure();
  }
  auto value = weights->get(key, tensorType(shape), fanIn, call.loc);
  if (failed(value))
    return failure();
  return cnn::WeightOp::create(builder, call.loc, builder.getStringAttr(key),
                               *value)
      .getResult();
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

FailureOr<Value> MLIRGen::conv2d(const CallArgs &a) {
  const Expr &e = *a.call;
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto out = intArg(a, "out", 0, 1);
  auto kernel = pairArg(a, "kernel", {}, 1);
  auto groups = intArg(a, "groups", 1, 1);
  auto bias = boolArg(a, "bias", true);
  if (failed(out) || failed(kernel) || failed(groups) || failed(bias))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  auto win = windowArgs(a, in, *kernel, /*isConv=*/true);
  if (failed(win))
    return failure();
  int64_t c = in.size() == 4 ? in[1] : 0;
  cnn::Shape wShape{*out, c / *groups, (*kernel)[0], (*kernel)[1]};
  cnn::Shape bShape{*out};
  auto result = cnn::inferConv2dShape(
      e.loc, in, wShape, *bias ? std::optional<ArrayRef<int64_t>>(bShape)
                               : std::nullopt,
      win->strides, win->dilations, win->pad, *groups);
  if (failed(result) || failed(checkSize(e.loc, *result)))
    return failure();
  int64_t fanIn = wShape[1] * wShape[2] * wShape[3];
  auto w = param(e, "weight", wShape, fanIn);
  if (failed(w))
    return failure();
  Value b;
  if (*bias) {
    auto bv = param(e, "bias", bShape, fanIn);
    if (failed(bv))
      return failure();
    b = *bv;
  }
  return cnn::Conv2dOp::create(builder, e.loc, tensorType(*result), *x, *w, b,
                               builder.getDenseI64ArrayAttr(win->strides),
                               builder.getDenseI64ArrayAttr(win->dilations),
                               builder.getDenseI64ArrayAttr(win->pad),
                               builder.getI64IntegerAttr(*groups))
      .getResult();
}

FailureOr<Value> MLIRGen::linear(const CallArgs &a) {
  const Expr &e = *a.call;
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto out = intArg(a, "out", 0, 1);
  auto bias = boolArg(a, "bias", true);
  if (failed(out) || failed(bias))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t k = in.size() == 2 ? in[1] : 0;
  cnn::Shape wShape{*out, k}, bShape{*out};
  auto result = cnn::inferLinearShape(
      e.loc, in, wShape,
      *bias ? std::optional<ArrayRef<int64_t>>(bShape) : std::nullopt);
  if (failed(result) || failed(checkSize(e.loc, *result)))
    return failure();
  auto w = param(e, "weight", wShape, k);
  if (failed(w))
    return failure();
  Value b;
  if (*bias) {
    auto bv = param(e, "bias", bShape, k);
    if (failed(bv))
      return failure();
    b = *bv;
  }
  return cnn::LinearOp::create(builder, e.loc, tensorType(*result), *x, *w, b)
      .getResult();
}

FailureOr<Value> MLIRGen::maxPool2d(const CallArgs &a) {
  const Expr &e = *a.call;
  auto x = tensorArg(a, "input");
  auto kernel = pairArg(a, "kernel", {}, 1);
  if (failed(x) || failed(kernel))
    return failure();
  auto win = windowArgs(a, shapeOf(*x), *kernel, /*isConv=*/false);
  if (failed(win))
    return failure();
  auto result = cnn::inferPool2dShape(
      e.loc, "max_pool2d", shapeOf(*x),
      {win->kernel, win->strides, win->dilations, win->pad});
  if (failed(result))
    return failure();
  return cnn::MaxPool2dOp::create(builder, e.loc, tensorType(*result), *x,
                                  builder.getDenseI64ArrayAttr(win->kernel),
                                  builder.getDenseI64ArrayAttr(win->strides),
                                  builder.getDenseI64ArrayAttr(win->dilations),
                                  builder.getDenseI64ArrayAttr(win->pad))
      .getResult();
}

FailureOr<Value> MLIRGen::avgPool2d(const CallArgs &a) {
  const Expr &e = *a.call;
  auto x = tensorArg(a, "input");
  auto kernel = pairArg(a, "kernel", {}, 1);
  auto includePad = boolArg(a, "count_include_pad", true);
  if (failed(x) || failed(kernel) || failed(includePad))
    return failure();
  auto win = windowArgs(a, shapeOf(*x), *kernel, /*isConv=*/false);
  if (failed(win))
    return failure();
  auto result = cnn::inferPool2dShape(
      e.loc, "avg_pool2d", shapeOf(*x),
      {win->kernel, win->strides, win->dilations, win->pad});
  if (failed(result))
    return failure();
  return cnn::AvgPool2dOp::create(builder, e.loc, tensorType(*result), *x,
                                  builder.getDenseI64ArrayAttr(win->kernel),
                                  builder.getDenseI64ArrayAttr(win->strides),
                                  builder.getDenseI64ArrayAttr(win->pad),
                                  builder.getBoolAttr(*includePad))
      .getResult();
}

FailureOr<Value> MLIRGen::globalAvgPool(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto result = cnn::inferGlobalPoolShape(a.call->loc, shapeOf(*x));
  if (failed(result))
    return failure();
  return cnn::GlobalAvgPoolOp::create(builder, a.call->loc,
                                      tensorType(*result), *x)
      .getResult();
}

FailureOr<Value> MLIRGen::flatten(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto result = cnn::inferFlattenShape(a.call->loc, shapeOf(*x));
  if (failed(result))
    return failure();
  return cnn::FlattenOp::create(builder, a.call->loc, tensorType(*result), *x)
      .getResult();
}

FailureOr<Value> MLIRGen::relu(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  return cnn::ReluOp::create(builder, a.call->loc, *x).getResult();
}

FailureOr<Value> MLIRGen::add(const CallArgs &a) {
  auto lhs = tensorArg(a, "lhs");
  if (failed(lhs))
    return failure();
  auto rhs = tensorArg(a, "rhs");
  if (failed(rhs))
    return failure();
  if (lhs->getType() != rhs->getType())
    return emitError(a.call->loc)
               << "add: operands have shapes "
               << cnn::formatShape(shapeOf(*lhs)) << " and "
               << cnn::formatShape(shapeOf(*rhs)) << "; they must match",
           failure();
  return cnn::AddOp::create(builder, a.call->loc, *lhs, *rhs).getResult();
}

namespace {
const std::vector<LayerDef> &layerTable() {
  static const std::vector<LayerDef> table = {
      {"conv2d",
       {"input", "out", "kernel", "stride", "pad", "dilation", "groups",
        "bias"},
       3,
       &MLIRGen::conv2d},
      {"linear", {"input", "out", "bias"}, 2, &MLIRGen::linear},
      {"max_pool2d",
       {"input", "kernel", "stride", "pad", "dilation"},
       2,
       &MLIRGen::maxPool2d},
      {"avg_pool2d",
       {"input", "kernel", "stride", "pad", "count_include_pad"},
       2,
       &MLIRGen::avgPool2d},
      {"global_avg_pool", {"input"}, 1, &MLIRGen::globalAvgPool},
      {"flatten", {"input"}, 1, &MLIRGen::flatten},
      {"relu", {"input"}, 1, &MLIRGen::relu},
      {"add", {"lhs", "rhs"}, 2, &MLIRGen::add},
  };
  return table;
}
} // namespace

OwningOpRef<ModuleOp> convc::mlirGen(MLIRContext &context, const File &file,
                                     WeightSource *weights) {
  context.loadDialect<cnn::CnnDialect, func::FuncDialect>();
  return MLIRGen(context, weights).build(file);
}
