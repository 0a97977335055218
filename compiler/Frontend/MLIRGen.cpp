//===- MLIRGen.cpp - AST to the cnn dialect -------------------------------===//
//
// Each call in the AST names a layer from the table at the bottom of this
// file, or a block of the file. A layer's arguments are bound to its
// parameter list (positional, then keyword), each checked for kind and
// range; its output shape is inferred with the dialect's shape rules (which
// report misfits at the call), and only then are its weights fetched and the
// op built. A block call evaluates the block's body in a scope of its own,
// whose weight keys are prefixed by the name the call is bound to; ops built
// inside carry call-site locations, so errors show the whole call chain.
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
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace convc;
using namespace convc::ast;
namespace cnn = convc::cnn;

namespace {

/// The largest tensor convc accepts, in elements.
constexpr int64_t kMaxElements = int64_t(1) << 31;
/// How deeply block calls may nest (a bound on recursion).
constexpr unsigned kMaxCallDepth = 32;

/// An int, float or bool value of the language.
struct Scalar {
  enum class Kind { Int, Float, Bool } kind;
  int64_t i = 0;
  double f = 0;
  static Scalar ofInt(int64_t v) {
    return {Kind::Int, v, static_cast<double>(v)};
  }
  static Scalar ofFloat(double v) { return {Kind::Float, 0, v}; }
  static Scalar ofBool(bool v) {
    return {Kind::Bool, v, static_cast<double>(v)};
  }
};

/// The names visible in a model body or one block call.
struct Scope {
  llvm::StringMap<Value> tensors;
  llvm::StringMap<Scalar> scalars;
  llvm::StringMap<Location> definedAt;
  std::string prefix;             // weight-key prefix: "" or "layer1.0."
  std::optional<Location> caller; // the call site of this block call
};

class MLIRGen;

/// A layer's arguments bound to its parameter names.
struct CallArgs {
  const Expr *call;
  Location loc;   // the call's location, with the call chain, for errors
  Location opLoc; // `loc` named after the layer, for the ops built
  llvm::SmallVector<const Expr *, 8> values; // by parameter index, or null
  llvm::ArrayRef<const char *> names;
  /// The argument given for `name`; null when it was not given or the layer
  /// has no such parameter (pointwise_conv2d has no pad), so the default
  /// applies.
  const Expr *get(llvm::StringRef name) const {
    for (auto [i, n] : llvm::enumerate(names))
      if (name == n)
        return values[i];
    return nullptr;
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

/// The kernel, stride, dilation and padding of a windowed layer, one entry
/// per spatial dimension (two for padding: leading ones, then trailing).
struct Window {
  llvm::SmallVector<int64_t, 3> kernel, strides, dilations;
  llvm::SmallVector<int64_t, 6> pad;
};

class MLIRGen {
public:
  MLIRGen(MLIRContext &ctx, WeightSource *weights)
      : ctx(ctx), builder(&ctx), weights(weights) {}

  OwningOpRef<ModuleOp> build(const File &file);

  // Layer builders (see layerTable()).
  template <unsigned S> FailureOr<Value> conv(const CallArgs &a);
  template <unsigned S> FailureOr<Value> convTranspose(const CallArgs &a);
  FailureOr<Value> depthwiseConv2d(const CallArgs &a);
  FailureOr<Value> pointwiseConv2d(const CallArgs &a);
  FailureOr<Value> linear(const CallArgs &a);
  FailureOr<Value> batchNorm(const CallArgs &a);
  template <typename OpTy> FailureOr<Value> maxPool2d(const CallArgs &a);
  FailureOr<Value> maxUnpool2d(const CallArgs &a);
  FailureOr<Value> avgPool2d(const CallArgs &a);
  template <typename OpTy> FailureOr<Value> globalPool(const CallArgs &a);
  FailureOr<Value> flatten(const CallArgs &a);
  FailureOr<Value> reshape(const CallArgs &a);
  FailureOr<Value> concat(const CallArgs &a);
  FailureOr<Value> softmax(const CallArgs &a);
  FailureOr<Value> upsample(const CallArgs &a);
  FailureOr<Value> pixelShuffle(const CallArgs &a);
  FailureOr<Value> constantTensor(const CallArgs &a);
  FailureOr<Value> fullTensor(const CallArgs &a);
  FailureOr<Value> leakyRelu(const CallArgs &a);
  template <typename OpTy> FailureOr<Value> activation(const CallArgs &a);
  template <typename OpTy> FailureOr<Value> binary(const CallArgs &a);

private:
  LogicalResult model(const Model &m);
  LogicalResult bindings(const std::vector<Binding> &body);
  LogicalResult define(const std::string &name, Location loc);
  FailureOr<Value> tensor(const Expr &e);
  FailureOr<Scalar> scalar(const Expr &e);
  FailureOr<const Expr *> branch(const Expr &e);
  LogicalResult unknownName(const Expr &e, bool wantTensor);
  FailureOr<Value> call(const Expr &e);
  FailureOr<Value> callBlock(const Expr &e, const ast::Block &block);
  FailureOr<CallArgs> bindArgs(const Expr &e, const LayerDef &def);
  std::string layerName(const Expr &e) const;

  /// `loc` inside the current block call chain.
  Location at(Location loc) const {
    return scope->caller ? CallSiteLoc::get(loc, *scope->caller) : loc;
  }

  // Typed arguments.
  FailureOr<Value> tensorArg(const CallArgs &a, const char *name);
  FailureOr<int64_t> intArg(const CallArgs &a, const char *name,
                            int64_t defaultValue, int64_t min);
  FailureOr<double> floatArg(const CallArgs &a, const char *name,
                             double defaultValue);
  FailureOr<bool> boolArg(const CallArgs &a, const char *name,
                          bool defaultValue);
  FailureOr<llvm::SmallVector<int64_t, 4>>
  intListArg(const CallArgs &a, const char *name, int64_t min);
  FailureOr<llvm::SmallVector<int64_t, 3>>
  spatialArg(const CallArgs &a, const char *name, size_t n,
             llvm::ArrayRef<int64_t> defaultValue, int64_t min);
  FailureOr<Window> windowArgs(const CallArgs &a, ArrayRef<int64_t> inShape,
                               ArrayRef<int64_t> kernel, bool isConv);
  FailureOr<Value> spatialInput(const CallArgs &a, const char *layer,
                                size_t spatialRank);
  FailureOr<int64_t> intOf(const Expr &e, const char *name, int64_t min);

  FailureOr<Value> convLayer(const CallArgs &a, Value x, int64_t out,
                             ArrayRef<int64_t> kernel, int64_t groups,
                             Value weight = nullptr);
  FailureOr<cnn::PaddingMode> paddingModeArg(const CallArgs &a);
  /// Fetches the parameter `<prefix><binding>.<suffix>` of the current layer.
  FailureOr<Value> param(const CallArgs &a, llvm::StringRef suffix,
                         ArrayRef<int64_t> shape, RandomInit init);
  /// Claims the current binding for the layer (or block call) at `loc`: a
  /// binding names the weights of at most one.
  LogicalResult claimBinding(const CallArgs &a);
  RankedTensorType tensorType(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  LogicalResult checkSize(Location loc, ArrayRef<int64_t> shape);

  MLIRContext &ctx;
  OpBuilder builder;
  WeightSource *weights;
  llvm::StringMap<const ast::Block *> blocks;
  Scope *scope = nullptr;
  unsigned callDepth = 0;
  // The binding being built and the layer with weights in it.
  const Binding *binding = nullptr;
  std::optional<Location> bindingOwner;
  bool reportedNoWeights = false;
  // The output whose return expression is being built, to name its layers.
  std::string outputName;
};

} // namespace

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static std::string kindName(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name:
    return "the name '" + e.text + "'";
  case Expr::Kind::Int:
    return "an integer";
  case Expr::Kind::Float:
    return "a number";
  case Expr::Kind::Bool:
    return "a boolean";
  case Expr::Kind::String:
    return "a string";
  case Expr::Kind::List:
    return "a list";
  case Expr::Kind::Call:
    return "a call to '" + e.text + "'";
  case Expr::Kind::Binary:
  case Expr::Kind::Neg:
    return "an arithmetic expression";
  case Expr::Kind::Cond:
    return "a conditional expression";
  }
  return "?";
}

static const char *kindName(Scalar::Kind k) {
  switch (k) {
  case Scalar::Kind::Int:
    return "an integer";
  case Scalar::Kind::Float:
    return "a number";
  case Scalar::Kind::Bool:
    return "a boolean";
  }
  return "?";
}

/// The closest name in `candidates`, if it is a plausible typo of `name`.
static std::string suggest(llvm::StringRef name,
                           llvm::ArrayRef<llvm::StringRef> candidates) {
  std::string best;
  // Names of one or two letters are too short to guess from.
  unsigned bestDist =
      name.size() <= 2 ? 1 : std::max<unsigned>(2, name.size() / 3) + 1;
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
// Models, blocks and expressions
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> MLIRGen::build(const File &file) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(builder.getUnknownLoc());
  for (const ast::Block &b : file.blocks) {
    bool isLayer = llvm::any_of(
        layerTable(), [&](const LayerDef &d) { return b.name == d.name; });
    if (isLayer) {
      emitError(b.loc) << "block '" << b.name << "' has the name of a layer";
      return nullptr;
    }
    if (!blocks.insert({b.name, &b}).second) {
      emitError(b.loc) << "block '" << b.name << "' is defined twice";
      return nullptr;
    }
  }
  if (file.models.empty()) {
    emitError(file.blocks.empty() ? builder.getUnknownLoc()
                                  : file.blocks.front().loc)
        << "the file defines no model";
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

LogicalResult MLIRGen::define(const std::string &name, Location loc) {
  auto prev = scope->definedAt.find(name);
  if (prev == scope->definedAt.end()) {
    scope->definedAt.insert({name, loc});
    return success();
  }
  InFlightDiagnostic d = emitError(at(loc))
                         << "'" << name << "' is already defined";
  d.attachNote(at(prev->second)) << "first defined here";
  return failure();
}

LogicalResult MLIRGen::bindings(const std::vector<Binding> &body) {
  for (const Binding &b : body) {
    if (failed(define(b.name, b.loc)))
      return failure();
    binding = &b;
    bindingOwner.reset();
    auto v = tensor(*b.value);
    if (failed(v))
      return failure();
    scope->tensors[b.name] = *v;
  }
  binding = nullptr;
  return success();
}

LogicalResult MLIRGen::model(const Model &m) {
  static const llvm::StringSet<> reserved = {
      "main",   "malloc", "free",    "aligned_alloc",
      "memcpy", "memset", "memmove", "abort"};
  if (reserved.contains(m.name) || llvm::StringRef(m.name).starts_with("_") ||
      llvm::StringRef(m.name).starts_with("convc_"))
    return emitError(m.loc)
           << "'" << m.name << "' is reserved and cannot name a model";
  Scope top;
  scope = &top;
  llvm::SmallVector<Type> argTypes;
  for (const Param &p : m.params) {
    if (failed(checkSize(p.loc, p.type.shape)))
      return failure();
    argTypes.push_back(tensorType(p.type.shape));
  }
  auto func = func::FuncOp::create(builder, m.loc, m.name,
                                   builder.getFunctionType(argTypes, {}));
  mlir::Block *entry = func.addEntryBlock();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(entry);
  for (auto [i, p] : llvm::enumerate(m.params)) {
    func.setArgAttr(i, "cnn.name", builder.getStringAttr(p.name));
    Value arg = entry->getArgument(i);
    if (p.layout == Layout::NHWC) {
      // The model works in NCHW; NHWC exists only at the boundary.
      if (p.type.shape.size() != 4)
        return emitError(p.loc)
               << "an nhwc input must have rank 4, not " << p.type.shape.size();
      func.setArgAttr(i, "cnn.layout", builder.getStringAttr("nhwc"));
      arg = cnn::TransposeOp::create(
          builder, p.loc, arg, builder.getDenseI64ArrayAttr({0, 3, 1, 2}));
    }
    top.tensors[p.name] = arg;
    top.definedAt.insert({p.name, p.loc});
  }
  if (failed(bindings(m.body)))
    return failure();

  llvm::SmallVector<Value> results;
  for (auto [i, r] : llvm::enumerate(m.results)) {
    if (i < m.outputNames.size())
      outputName = m.outputNames[i].name;
    auto v = tensor(*r);
    if (failed(v))
      return failure();
    if (i < m.outputNames.size() && m.outputNames[i].layout == Layout::NHWC) {
      if (shapeOf(*v).size() != 4)
        return emitError(m.outputNames[i].loc)
                   << "an nhwc output must have rank 4, but '" << outputName
                   << "' is " << cnn::formatShape(shapeOf(*v)),
               failure();
      v = cnn::TransposeOp::create(builder, m.outputNames[i].loc, *v,
                                   builder.getDenseI64ArrayAttr({0, 2, 3, 1}))
              .getResult();
    }
    results.push_back(*v);
  }
  outputName.clear();
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
      name = m.outputNames[i].name;
    else if (m.results[i]->kind == Expr::Kind::Name)
      name = m.results[i]->text;
    else
      name = "output" + std::to_string(i);
    if (!outNames.insert(name).second)
      return emitError(m.returnLoc)
             << "output name '" << name << "' is used twice";
    func.setResultAttr(i, "cnn.name", builder.getStringAttr(name));
    if (!m.outputNames.empty() && m.outputNames[i].layout == Layout::NHWC)
      func.setResultAttr(i, "cnn.layout", builder.getStringAttr("nhwc"));
  }
  scope = nullptr;
  return success();
}

/// The branch of `then if cond else other` that `cond` selects.
FailureOr<const Expr *> MLIRGen::branch(const Expr &e) {
  auto cond = scalar(*e.args[1]);
  if (failed(cond))
    return failure();
  if (cond->kind != Scalar::Kind::Bool)
    return emitError(at(e.args[1]->loc))
               << "the condition must be true or false, found "
               << kindName(cond->kind),
           failure();
  return cond->i ? e.args[0].get() : e.args[2].get();
}

FailureOr<Value> MLIRGen::tensor(const Expr &e) {
  if (e.kind == Expr::Kind::Call)
    return call(e);
  if (e.kind == Expr::Kind::Cond) {
    auto chosen = branch(e);
    if (failed(chosen))
      return failure();
    return tensor(**chosen);
  }
  if (e.kind != Expr::Kind::Name)
    return emitError(at(e.loc)) << "expected a tensor, found " << kindName(e),
           failure();
  auto it = scope->tensors.find(e.text);
  if (it != scope->tensors.end())
    return it->second;
  return unknownName(e, /*wantTensor=*/true);
}

/// Reports a name that is not a tensor (or not a scalar) here.
LogicalResult MLIRGen::unknownName(const Expr &e, bool wantTensor) {
  bool isOther = wantTensor ? scope->scalars.count(e.text) != 0
                            : scope->tensors.count(e.text) != 0;
  if (isOther)
    return emitError(at(e.loc))
           << "expected a " << (wantTensor ? "tensor" : "number") << ", but '"
           << e.text << "' is a "
           << (wantTensor ? "scalar parameter" : "tensor");
  llvm::SmallVector<llvm::StringRef> known;
  if (wantTensor)
    for (auto &kv : scope->tensors)
      known.push_back(kv.first());
  else
    for (auto &kv : scope->scalars)
      known.push_back(kv.first());
  return emitError(at(e.loc))
         << "unknown name '" << e.text << "'" << suggest(e.text, known);
}

FailureOr<Scalar> MLIRGen::scalar(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Int:
    return Scalar::ofInt(e.intValue);
  case Expr::Kind::Float:
    return Scalar::ofFloat(e.floatValue);
  case Expr::Kind::Bool:
    return Scalar::ofBool(e.intValue != 0);
  case Expr::Kind::Name: {
    auto it = scope->scalars.find(e.text);
    if (it != scope->scalars.end())
      return it->second;
    return unknownName(e, /*wantTensor=*/false);
  }
  case Expr::Kind::Cond: {
    auto chosen = branch(e);
    if (failed(chosen))
      return failure();
    return scalar(**chosen);
  }
  case Expr::Kind::Neg: {
    auto v = scalar(*e.args[0]);
    if (failed(v))
      return failure();
    if (e.text == "not") {
      if (v->kind != Scalar::Kind::Bool)
        return emitError(at(e.loc))
                   << "'not' needs a boolean, found " << kindName(v->kind),
               failure();
      return Scalar::ofBool(!v->i);
    }
    if (v->kind == Scalar::Kind::Bool)
      return emitError(at(e.loc)) << "cannot negate a boolean", failure();
    return v->kind == Scalar::Kind::Int ? Scalar::ofInt(-v->i)
                                        : Scalar::ofFloat(-v->f);
  }
  case Expr::Kind::Binary: {
    auto l = scalar(*e.args[0]);
    if (failed(l))
      return failure();
    auto r = scalar(*e.args[1]);
    if (failed(r))
      return failure();
    if ((l->kind == Scalar::Kind::Bool || r->kind == Scalar::Kind::Bool) &&
        !(e.text == "==" || e.text == "!=" || e.text == "and" ||
          e.text == "or"))
      return emitError(at(e.loc))
                 << "'" << e.text << "' needs numbers, not booleans",
             failure();
    llvm::StringRef op = e.text;
    if (op == "and" || op == "or") {
      if (l->kind != Scalar::Kind::Bool || r->kind != Scalar::Kind::Bool)
        return emitError(at(e.loc)) << "'" << op << "' needs booleans",
               failure();
      return Scalar::ofBool(op == "and" ? (l->i && r->i) : (l->i || r->i));
    }
    if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" ||
        op == ">=") {
      bool ints = l->kind == Scalar::Kind::Int && r->kind == Scalar::Kind::Int;
      auto cmp = [&](auto a, auto b) {
        return op == "=="   ? a == b
               : op == "!=" ? a != b
               : op == "<"  ? a < b
               : op == "<=" ? a <= b
               : op == ">"  ? a > b
                            : a >= b;
      };
      return Scalar::ofBool(ints ? cmp(l->i, r->i) : cmp(l->f, r->f));
    }
    if (l->kind == Scalar::Kind::Int && r->kind == Scalar::Kind::Int) {
      // Integer arithmetic; '/' stays an integer only when it divides
      // exactly (so (k - 1) / 2 is a padding, 1 / 9 is a number).
      if (op == "/" && r->i == 0)
        return emitError(at(e.loc)) << "division by zero", failure();
      int64_t v = 0;
      bool overflow = false;
      if (op == "+")
        overflow = __builtin_add_overflow(l->i, r->i, &v);
      else if (op == "-")
        overflow = __builtin_sub_overflow(l->i, r->i, &v);
      else if (op == "*")
        overflow = __builtin_mul_overflow(l->i, r->i, &v);
      else if (l->i == INT64_MIN && r->i == -1)
        overflow = true;
      else if (l->i % r->i != 0) // an inexact quotient is a number
        return Scalar::ofFloat(l->f / r->f);
      else
        v = l->i / r->i;
      if (overflow)
        return emitError(at(e.loc)) << "integer overflow", failure();
      return Scalar::ofInt(v);
    }
    double a = l->f, b = r->f;
    return Scalar::ofFloat(op == "+"   ? a + b
                           : op == "-" ? a - b
                           : op == "*" ? a * b
                                       : a / b);
  }
  default:
    return emitError(at(e.loc)) << "expected a number, found " << kindName(e),
           failure();
  }
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
  auto block = blocks.find(e.text);
  if (block != blocks.end())
    return callBlock(e, *block->second);
  llvm::SmallVector<llvm::StringRef> known;
  for (const LayerDef &def : layerTable())
    known.push_back(def.name);
  for (auto &kv : blocks)
    known.push_back(kv.first());
  return emitError(at(e.loc)) << "unknown layer or block '" << e.text << "'"
                              << suggest(e.text, known),
         failure();
}

FailureOr<Value> MLIRGen::callBlock(const Expr &e, const ast::Block &block) {
  Location callLoc = at(e.loc);
  if (callDepth >= kMaxCallDepth)
    return emitError(callLoc) << "block calls nest more than " << kMaxCallDepth
                              << " deep (is '" << e.text << "' recursive?)",
           failure();
  CallArgs self{&e, callLoc, callLoc, {}, {}};
  if (failed(claimBinding(self)))
    return failure();

  // Bind the arguments: positional, then by name.
  if (e.args.size() > block.params.size())
    return emitError(at(e.args[block.params.size()]->loc))
               << "block '" << block.name << "' takes at most "
               << block.params.size() << " argument(s)",
           failure();
  llvm::SmallVector<const Expr *> given(block.params.size(), nullptr);
  for (auto [i, arg] : llvm::enumerate(e.args))
    given[i] = arg.get();
  for (const KwArg &kw : e.kwargs) {
    auto it = llvm::find_if(
        block.params, [&](const BlockParam &p) { return p.name == kw.name; });
    if (it == block.params.end()) {
      llvm::SmallVector<llvm::StringRef> known;
      for (const BlockParam &p : block.params)
        known.push_back(p.name);
      return emitError(at(kw.loc))
                 << "block '" << block.name << "' has no parameter '" << kw.name
                 << "'" << suggest(kw.name, known),
             failure();
    }
    size_t idx = it - block.params.begin();
    if (given[idx])
      return emitError(at(kw.loc))
                 << "'" << kw.name << "' is already given by position",
             failure();
    given[idx] = kw.value.get();
  }

  Scope inner;
  inner.prefix = scope->prefix + binding->name + ".";
  inner.caller = callLoc;
  for (auto [i, p] : llvm::enumerate(block.params)) {
    // Arguments are evaluated where the call is; defaults inside the block,
    // where the parameters before them are visible.
    Scope *evalScope = scope;
    const Expr *value = given[i];
    if (!value) {
      value = p.defaultValue.get();
      evalScope = &inner;
    }
    if (!value)
      return emitError(callLoc)
                 << "block '" << block.name << "' needs '" << p.name << "'",
             failure();
    std::swap(scope, evalScope);
    if (p.kind == BlockParam::Kind::Tensor) {
      auto v = tensor(*value);
      std::swap(scope, evalScope);
      if (failed(v))
        return failure();
      inner.tensors[p.name] = *v;
    } else {
      auto v = scalar(*value);
      std::swap(scope, evalScope);
      if (failed(v))
        return failure();
      bool ok =
          (p.kind == BlockParam::Kind::Int && v->kind == Scalar::Kind::Int) ||
          (p.kind == BlockParam::Kind::Bool && v->kind == Scalar::Kind::Bool) ||
          (p.kind == BlockParam::Kind::Float && v->kind != Scalar::Kind::Bool);
      if (!ok)
        return emitError(at(value->loc))
                   << "parameter '" << p.name << "' of block '" << block.name
                   << "' is "
                   << (p.kind == BlockParam::Kind::Int    ? "an int"
                       : p.kind == BlockParam::Kind::Bool ? "a bool"
                                                          : "a float")
                   << ", got " << kindName(v->kind),
               failure();
      if (p.kind == BlockParam::Kind::Float)
        v = Scalar::ofFloat(v->f);
      inner.scalars[p.name] = *v;
    }
    inner.definedAt.insert({p.name, p.loc});
  }

  // Evaluate the body in the block's scope.
  Scope *outer = scope;
  const Binding *outerBinding = binding;
  std::optional<Location> outerOwner = bindingOwner;
  scope = &inner;
  ++callDepth;
  FailureOr<Value> result = failure();
  if (succeeded(bindings(block.body)))
    result = tensor(*block.result);
  --callDepth;
  scope = outer;
  binding = outerBinding;
  bindingOwner = outerOwner;
  return result;
}

/// The layer's name: the binding's full name for the call that makes the
/// binding, `binding:layer` for a call nested inside it.
std::string MLIRGen::layerName(const Expr &e) const {
  if (!binding)
    return outputName.empty() ? e.text : outputName + ":" + e.text;
  std::string name = scope->prefix + binding->name;
  // The binding's own call may sit in a branch of a conditional.
  llvm::SmallVector<const Expr *> tops = {binding->value.get()};
  while (!tops.empty()) {
    const Expr *top = tops.pop_back_val();
    if (top == &e)
      return name;
    if (top->kind == Expr::Kind::Cond)
      tops.append({top->args[0].get(), top->args[2].get()});
  }
  return name + ":" + e.text;
}

FailureOr<CallArgs> MLIRGen::bindArgs(const Expr &e, const LayerDef &def) {
  Location loc = at(e.loc);
  CallArgs a{&e,
             loc,
             NameLoc::get(StringAttr::get(&ctx, layerName(e)), loc),
             {},
             def.params};
  a.values.assign(def.params.size(), nullptr);
  if (e.args.size() > def.params.size())
    return emitError(at(e.args[def.params.size()]->loc))
               << def.name << " takes at most " << def.params.size()
               << " argument(s)",
           failure();
  for (auto [i, arg] : llvm::enumerate(e.args))
    a.values[i] = arg.get();
  for (const KwArg &kw : e.kwargs) {
    auto it =
        llvm::find_if(def.params, [&](const char *p) { return kw.name == p; });
    if (it == def.params.end()) {
      llvm::SmallVector<llvm::StringRef> known(def.params.begin(),
                                               def.params.end());
      return emitError(at(kw.loc)) << def.name << " has no argument '"
                                   << kw.name << "'" << suggest(kw.name, known),
             failure();
    }
    size_t idx = it - def.params.begin();
    if (a.values[idx])
      return emitError(at(kw.loc))
                 << "'" << kw.name << "' is already given by position",
             failure();
    a.values[idx] = kw.value.get();
  }
  for (unsigned i = 0; i < def.numRequired; ++i)
    if (!a.values[i])
      return emitError(a.loc) << def.name << " needs '" << def.params[i] << "'",
             failure();
  return a;
}

//===----------------------------------------------------------------------===//
// Typed arguments
//===----------------------------------------------------------------------===//

FailureOr<Value> MLIRGen::tensorArg(const CallArgs &a, const char *name) {
  return tensor(*a.get(name));
}

FailureOr<int64_t> MLIRGen::intOf(const Expr &e, const char *name,
                                  int64_t min) {
  if (e.kind == Expr::Kind::List || e.kind == Expr::Kind::String ||
      e.kind == Expr::Kind::Call)
    return emitError(at(e.loc))
               << "'" << name << "' must be an integer, found " << kindName(e),
           failure();
  auto v = scalar(e);
  if (failed(v))
    return failure();
  if (v->kind != Scalar::Kind::Int)
    return emitError(at(e.loc)) << "'" << name << "' must be an integer, found "
                                << kindName(v->kind),
           failure();
  if (v->i < min)
    return emitError(at(e.loc)) << "'" << name << "' must be at least " << min
                                << ", got " << v->i,
           failure();
  return v->i;
}

FailureOr<int64_t> MLIRGen::intArg(const CallArgs &a, const char *name,
                                   int64_t defaultValue, int64_t min) {
  const Expr *e = a.get(name);
  if (!e)
    return defaultValue;
  return intOf(*e, name, min);
}

FailureOr<double> MLIRGen::floatArg(const CallArgs &a, const char *name,
                                    double defaultValue) {
  const Expr *e = a.get(name);
  if (!e)
    return defaultValue;
  auto v = scalar(*e);
  if (failed(v))
    return failure();
  if (v->kind == Scalar::Kind::Bool)
    return emitError(at(e->loc)) << "'" << name << "' must be a number",
           failure();
  return v->f;
}

FailureOr<bool> MLIRGen::boolArg(const CallArgs &a, const char *name,
                                 bool defaultValue) {
  const Expr *e = a.get(name);
  if (!e)
    return defaultValue;
  if (e->kind == Expr::Kind::List || e->kind == Expr::Kind::String ||
      e->kind == Expr::Kind::Call)
    return emitError(at(e->loc))
               << "'" << name << "' must be true or false, found "
               << kindName(*e),
           failure();
  auto v = scalar(*e);
  if (failed(v))
    return failure();
  if (v->kind != Scalar::Kind::Bool)
    return emitError(at(e->loc))
               << "'" << name << "' must be true or false, found "
               << kindName(v->kind),
           failure();
  return v->i != 0;
}

FailureOr<llvm::SmallVector<int64_t, 4>>
MLIRGen::intListArg(const CallArgs &a, const char *name, int64_t min) {
  const Expr *e = a.get(name);
  if (e->kind != Expr::Kind::List)
    return emitError(at(e->loc))
               << "'" << name << "' must be a list of integers, found "
               << kindName(*e),
           failure();
  llvm::SmallVector<int64_t, 4> out;
  for (const ExprPtr &item : e->args) {
    auto v = intOf(*item, name, min);
    if (failed(v))
      return failure();
    out.push_back(*v);
  }
  return out;
}

/// An integer for every spatial dimension, or a list of one per dimension.
FailureOr<llvm::SmallVector<int64_t, 3>>
MLIRGen::spatialArg(const CallArgs &a, const char *name, size_t n,
                    llvm::ArrayRef<int64_t> defaultValue, int64_t min) {
  const Expr *e = a.get(name);
  if (!e)
    return llvm::SmallVector<int64_t, 3>(defaultValue);
  llvm::SmallVector<int64_t, 3> out;
  if (e->kind == Expr::Kind::List) {
    if (e->args.size() != n)
      return emitError(at(e->loc))
                 << "'" << name << "' must be an integer or "
                 << "a list of " << n << " (one per spatial "
                 << "dimension), found a list of " << e->args.size(),
             failure();
    for (const ExprPtr &item : e->args) {
      auto v = intOf(*item, name, min);
      if (failed(v))
        return failure();
      out.push_back(*v);
    }
    return out;
  }
  auto v = intOf(*e, name, min);
  if (failed(v))
    return failure();
  out.assign(n, *v);
  return out;
}

/// The layer's input, which must have `spatialRank` spatial dims after N, C.
FailureOr<Value> MLIRGen::spatialInput(const CallArgs &a, const char *layer,
                                       size_t spatialRank) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  if (in.size() != spatialRank + 2) {
    static const char *layouts[] = {"", "NCW", "NCHW", "NCDHW"};
    return emitError(a.loc) << layer << ": expects an " << layouts[spatialRank]
                            << " input, got " << cnn::formatShape(in),
           failure();
  }
  return x;
}

/// Reads `stride` (default: `kernel` for pooling, 1 otherwise), `dilation`
/// and `pad` (an integer, one per dimension, leading then trailing ones, or
/// one of valid / same / full) for the spatial dims of `inShape`.
FailureOr<Window> MLIRGen::windowArgs(const CallArgs &a,
                                      ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> kernel, bool isConv) {
  size_t n = kernel.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  llvm::SmallVector<int64_t, 3> ones(n, 1);
  auto strides =
      spatialArg(a, "stride", n, isConv ? ArrayRef<int64_t>(ones) : kernel, 1);
  if (failed(strides))
    return failure();
  w.strides = *strides;
  auto d = spatialArg(a, "dilation", n, ones, 1);
  if (failed(d))
    return failure();
  w.dilations = *d;
  const Expr *p = a.get("pad");
  w.pad.assign(2 * n, 0);
  if (!p)
    return w;
  static const llvm::StringSet<> modes = {"same", "valid", "full"};
  if (p->kind == Expr::Kind::Name && !scope->scalars.count(p->text)) {
    if (!modes.contains(p->text))
      return emitError(at(p->loc)) << "'pad' must be an integer, a list, or "
                                      "one of valid, same, full; found '"
                                   << p->text << "'",
             failure();
    for (size_t i = 0; i < n; ++i) {
      int64_t k = w.dilations[i] * (w.kernel[i] - 1) + 1;
      int64_t lo = 0, hi = 0;
      if (p->text == "same") {
        // PyTorch's 'same' for stride 1 (extra padding at the end); for
        // larger strides, out = ceil(in / stride) as in TensorFlow.
        int64_t in = inShape.size() == n + 2 ? inShape[2 + i] : 0;
        int64_t out = (in + w.strides[i] - 1) / w.strides[i];
        int64_t total = std::max<int64_t>((out - 1) * w.strides[i] + k - in, 0);
        lo = total / 2;
        hi = total - lo;
      } else if (p->text == "full") {
        lo = hi = k - 1;
      }
      w.pad[i] = lo;
      w.pad[i + n] = hi;
    }
    return w;
  }
  if (p->kind == Expr::Kind::List && p->args.size() == 2 * n) {
    for (size_t i = 0; i < 2 * n; ++i) {
      auto v = intOf(*p->args[i], "pad", 0);
      if (failed(v))
        return failure();
      w.pad[i] = *v;
    }
    return w;
  }
  if (p->kind == Expr::Kind::List && p->args.size() != n)
    return emitError(at(p->loc))
               << "'pad' must be an integer, a list of " << n << " (one per "
               << "dimension) or " << 2 * n << " (leading, then trailing), "
               << "valid, same or full; found a list of " << p->args.size(),
           failure();
  auto sym = spatialArg(a, "pad", n, {}, 0);
  if (failed(sym))
    return failure();
  for (size_t i = 0; i < n; ++i)
    w.pad[i] = w.pad[i + n] = (*sym)[i];
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

LogicalResult MLIRGen::claimBinding(const CallArgs &a) {
  if (!binding)
    return emitError(a.loc) << "'" << a.call->text
                            << "' has weights, so it must be bound to a name "
                               "that names them",
           failure();
  if (bindingOwner && *bindingOwner != a.loc) {
    InFlightDiagnostic d = emitError(a.loc)
                           << "'" << binding->name
                           << "' already has a layer with weights; bind "
                              "each such layer to its own name";
    d.attachNote(*bindingOwner) << "the first one is here";
    return failure();
  }
  bindingOwner = a.loc;
  return success();
}

FailureOr<Value> MLIRGen::param(const CallArgs &a, llvm::StringRef suffix,
                                ArrayRef<int64_t> shape, RandomInit init) {
  if (failed(claimBinding(a)))
    return failure();
  std::string key = scope->prefix + binding->name + "." + suffix.str();
  if (failed(checkSize(a.loc, shape)))
    return failure();
  if (!weights) {
    if (!reportedNoWeights)
      emitError(a.loc) << "the model has parameters ('" << key
                       << "'); pass --weights FILE.safetensors or "
                          "--random-weights=SEED";
    reportedNoWeights = true;
    return failure();
  }
  auto value = weights->get(key, tensorType(shape), init, a.loc);
  if (failed(value))
    return failure();
  auto keyAttr = builder.getStringAttr(key);
  return cnn::WeightOp::create(builder, NameLoc::get(keyAttr, a.loc), keyAttr,
                               *value)
      .getResult();
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

FailureOr<cnn::PaddingMode> MLIRGen::paddingModeArg(const CallArgs &a) {
  const Expr *e = a.get("padding_mode");
  if (!e)
    return cnn::PaddingMode::zeros;
  std::optional<cnn::PaddingMode> mode;
  if (e->kind == Expr::Kind::Name)
    mode = cnn::symbolizePaddingMode(e->text);
  if (!mode)
    return emitError(at(e->loc)) << "'padding_mode' must be zeros, reflect, "
                                    "replicate or circular; found "
                                 << kindName(*e),
           failure();
  return *mode;
}

/// The convolution shared by conv1d/2d/3d and the depthwise and pointwise
/// forms.
FailureOr<Value> MLIRGen::convLayer(const CallArgs &a, Value x, int64_t out,
                                    ArrayRef<int64_t> kernel, int64_t groups,
                                    Value weight) {
  // A convolution with a weight written in the model has no bias unless
  // asked for.
  auto bias = boolArg(a, "bias", !weight);
  auto flip = boolArg(a, "flip", false);
  auto mode = paddingModeArg(a);
  if (failed(bias) || failed(flip) || failed(mode))
    return failure();
  ArrayRef<int64_t> in = shapeOf(x);
  auto win = windowArgs(a, in, kernel, /*isConv=*/true);
  if (failed(win))
    return failure();
  int64_t c = in.size() >= 2 ? in[1] : 0;
  cnn::Shape wShape{out, c / groups};
  wShape.append(kernel.begin(), kernel.end());
  cnn::Shape bShape{out};
  auto result = cnn::inferConvShape(
      a.loc, in, wShape,
      *bias ? std::optional<ArrayRef<int64_t>>(bShape) : std::nullopt,
      win->strides, win->dilations, win->pad, groups);
  if (failed(result) || failed(checkSize(a.loc, *result)) ||
      failed(cnn::checkPaddingMode(a.loc, *mode, in.drop_front(2), win->pad)))
    return failure();
  int64_t fanIn = 1;
  for (int64_t d : ArrayRef<int64_t>(wShape).drop_front())
    fanIn *= d;
  FailureOr<Value> w = weight;
  if (!weight)
    w = param(a, "weight", wShape, {fanIn});
  if (failed(w))
    return failure();
  Value b;
  if (*bias) {
    auto bv = param(a, "bias", bShape, {fanIn});
    if (failed(bv))
      return failure();
    b = *bv;
  }
  return cnn::ConvOp::create(builder, a.opLoc, tensorType(*result), x, *w, b,
                             builder.getDenseI64ArrayAttr(win->strides),
                             builder.getDenseI64ArrayAttr(win->dilations),
                             builder.getDenseI64ArrayAttr(win->pad),
                             builder.getI64IntegerAttr(groups),
                             cnn::PaddingModeAttr::get(&ctx, *mode),
                             builder.getBoolAttr(*flip))
      .getResult();
}

template <unsigned S> FailureOr<Value> MLIRGen::conv(const CallArgs &a) {
  std::string layer = cnn::convName("conv", S + 2);
  auto x = spatialInput(a, layer.c_str(), S);
  if (failed(x))
    return failure();
  auto groups = intArg(a, "groups", 1, 1);
  if (failed(groups))
    return failure();
  // `weight=` gives the kernel itself (a tensor(...) or full(...)); `out`
  // and `kernel` then follow from its shape.
  Value weight;
  llvm::SmallVector<int64_t, 3> fromWeight;
  if (const Expr *we = a.get("weight")) {
    auto w = tensor(*we);
    if (failed(w))
      return failure();
    weight = *w;
    ArrayRef<int64_t> ws = shapeOf(weight);
    if (ws.size() != S + 2)
      return emitError(at(we->loc)) << layer << ": 'weight' must have rank "
                                    << S + 2 << " [out, in/groups, kernel], "
                                    << "got " << cnn::formatShape(ws),
             failure();
    fromWeight.assign(ws.begin() + 2, ws.end());
  }
  if (!weight && (!a.get("out") || !a.get("kernel")))
    return emitError(a.loc)
               << layer << " needs '" << (a.get("out") ? "kernel" : "out")
               << "' (or a 'weight' tensor)",
           failure();
  auto out = intArg(a, "out", weight ? shapeOf(weight)[0] : 0, 1);
  auto kernel = spatialArg(a, "kernel", S, fromWeight, 1);
  if (failed(out) || failed(kernel))
    return failure();
  if (weight && (*out != shapeOf(weight)[0] ||
                 ArrayRef<int64_t>(*kernel) != ArrayRef<int64_t>(fromWeight)))
    return emitError(a.loc)
               << layer << ": 'out' and 'kernel' disagree with "
               << "the 'weight' tensor " << cnn::formatShape(shapeOf(weight)),
           failure();
  return convLayer(a, *x, *out, *kernel, *groups, weight);
}

template <unsigned S>
FailureOr<Value> MLIRGen::convTranspose(const CallArgs &a) {
  std::string layer = cnn::convName("conv_transpose", S + 2);
  auto x = spatialInput(a, layer.c_str(), S);
  if (failed(x))
    return failure();
  auto out = intArg(a, "out", 0, 1);
  auto kernel = spatialArg(a, "kernel", S, {}, 1);
  auto groups = intArg(a, "groups", 1, 1);
  auto bias = boolArg(a, "bias", true);
  llvm::SmallVector<int64_t, 3> zeros(S, 0), ones(S, 1);
  auto strides = spatialArg(a, "stride", S, ones, 1);
  auto dilations = spatialArg(a, "dilation", S, ones, 1);
  auto outPad = spatialArg(a, "output_padding", S, zeros, 0);
  auto pad = spatialArg(a, "pad", S, zeros, 0);
  if (failed(out) || failed(kernel) || failed(groups) || failed(bias) ||
      failed(strides) || failed(dilations) || failed(outPad) || failed(pad))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  cnn::Shape wShape{in[1], *out / *groups};
  wShape.append(kernel->begin(), kernel->end());
  cnn::Shape bShape{*out};
  llvm::SmallVector<int64_t, 6> pads(pad->begin(), pad->end());
  pads.append(pad->begin(), pad->end());
  if (*out % *groups != 0)
    return emitError(a.loc)
               << layer << ": " << *out
               << " output channels are not divisible by groups=" << *groups,
           failure();
  auto result = cnn::inferConvTransposeShape(
      a.loc, in, wShape,
      *bias ? std::optional<ArrayRef<int64_t>>(bShape) : std::nullopt, *strides,
      *dilations, pads, *outPad, *groups);
  if (failed(result) || failed(checkSize(a.loc, *result)))
    return failure();
  int64_t fanIn = 1; // PyTorch's: weight.size(1) * kernel size
  for (int64_t d : ArrayRef<int64_t>(wShape).drop_front())
    fanIn *= d;
  auto w = param(a, "weight", wShape, {fanIn});
  if (failed(w))
    return failure();
  Value b;
  if (*bias) {
    auto bv = param(a, "bias", bShape, {fanIn});
    if (failed(bv))
      return failure();
    b = *bv;
  }
  return cnn::ConvTransposeOp::create(builder, a.opLoc, tensorType(*result), *x,
                                      *w, b,
                                      builder.getDenseI64ArrayAttr(*strides),
                                      builder.getDenseI64ArrayAttr(*dilations),
                                      builder.getDenseI64ArrayAttr(pads),
                                      builder.getDenseI64ArrayAttr(*outPad),
                                      builder.getI64IntegerAttr(*groups))
      .getResult();
}

FailureOr<Value> MLIRGen::depthwiseConv2d(const CallArgs &a) {
  auto x = spatialInput(a, "depthwise_conv2d", 2);
  if (failed(x))
    return failure();
  auto kernel = spatialArg(a, "kernel", 2, {}, 1);
  auto multiplier = intArg(a, "multiplier", 1, 1);
  if (failed(kernel) || failed(multiplier))
    return failure();
  int64_t c = shapeOf(*x)[1];
  return convLayer(a, *x, c * *multiplier, *kernel, c);
}

FailureOr<Value> MLIRGen::pointwiseConv2d(const CallArgs &a) {
  auto x = spatialInput(a, "pointwise_conv2d", 2);
  if (failed(x))
    return failure();
  auto out = intArg(a, "out", 0, 1);
  if (failed(out))
    return failure();
  int64_t one[] = {1, 1};
  return convLayer(a, *x, *out, one, 1);
}

FailureOr<Value> MLIRGen::linear(const CallArgs &a) {
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
      a.loc, in, wShape,
      *bias ? std::optional<ArrayRef<int64_t>>(bShape) : std::nullopt);
  if (failed(result) || failed(checkSize(a.loc, *result)))
    return failure();
  auto w = param(a, "weight", wShape, {k});
  if (failed(w))
    return failure();
  Value b;
  if (*bias) {
    auto bv = param(a, "bias", bShape, {k});
    if (failed(bv))
      return failure();
    b = *bv;
  }
  return cnn::LinearOp::create(builder, a.opLoc, tensorType(*result), *x, *w, b)
      .getResult();
}

FailureOr<Value> MLIRGen::batchNorm(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  auto eps = floatArg(a, "eps", 1e-5);
  if (failed(x) || failed(eps))
    return failure();
  if (*eps < 0)
    return emitError(a.loc) << "batch_norm: 'eps' must not be negative",
           failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  cnn::Shape c{in.size() >= 2 ? in[1] : 0};
  ArrayRef<int64_t> params[] = {c, c, c, c};
  if (failed(cnn::inferBatchNormShape(a.loc, in, params)))
    return failure();
  auto w = param(a, "weight", c, {1, true});
  if (failed(w))
    return failure();
  auto b = param(a, "bias", c, {1});
  if (failed(b))
    return failure();
  auto mean = param(a, "running_mean", c, {1});
  if (failed(mean))
    return failure();
  auto var = param(a, "running_var", c, {1, true});
  if (failed(var))
    return failure();
  return cnn::BatchNormOp::create(builder, a.opLoc, x->getType(), *x, *w, *b,
                                  *mean, *var, builder.getF64FloatAttr(*eps))
      .getResult();
}

/// max_pool2d, or max_pool2d_indices: the same windows, the values or
/// where they were found.
template <typename OpTy>
FailureOr<Value> MLIRGen::maxPool2d(const CallArgs &a) {
  auto x = spatialInput(a, a.call->text.c_str(), 2);
  if (failed(x))
    return failure();
  auto kernel = spatialArg(a, "kernel", 2, {}, 1);
  auto ceil = boolArg(a, "ceil_mode", false);
  if (failed(kernel) || failed(ceil))
    return failure();
  auto win = windowArgs(a, shapeOf(*x), *kernel, /*isConv=*/false);
  if (failed(win))
    return failure();
  auto result = cnn::inferPool2dShape(
      a.loc, a.call->text, shapeOf(*x),
      {win->kernel, win->strides, win->dilations, win->pad}, *ceil);
  if (failed(result))
    return failure();
  Type type = std::is_same_v<OpTy, cnn::MaxPool2dIndicesOp>
                  ? RankedTensorType::get(*result, builder.getI64Type())
                  : Type(tensorType(*result));
  return OpTy::create(builder, a.opLoc, type, *x,
                      builder.getDenseI64ArrayAttr(win->kernel),
                      builder.getDenseI64ArrayAttr(win->strides),
                      builder.getDenseI64ArrayAttr(win->dilations),
                      builder.getDenseI64ArrayAttr(win->pad),
                      builder.getBoolAttr(*ceil))
      .getResult();
}

/// PyTorch's MaxUnpool2d(kernel, stride, padding) with optional
/// output_size; the indices must come from max_pool2d_indices with the same
/// window (which is what tells each output position where to look).
FailureOr<Value> MLIRGen::maxUnpool2d(const CallArgs &a) {
  auto x = spatialInput(a, "max_unpool2d", 2);
  if (failed(x))
    return failure();
  auto idx = tensorArg(a, "indices");
  auto kernel = spatialArg(a, "kernel", 2, {}, 1);
  if (failed(idx) || failed(kernel))
    return failure();
  auto strides = spatialArg(a, "stride", 2, *kernel, 1);
  auto pad = spatialArg(a, "pad", 2, {0, 0}, 0);
  if (failed(strides) || failed(pad))
    return failure();
  auto pool = idx->getDefiningOp<cnn::MaxPool2dIndicesOp>();
  llvm::SmallVector<int64_t, 4> pads = {(*pad)[0], (*pad)[1], (*pad)[0],
                                        (*pad)[1]};
  if (!pool || pool.getKernel() != ArrayRef<int64_t>(*kernel) ||
      pool.getStrides() != ArrayRef<int64_t>(*strides) ||
      pool.getPad() != ArrayRef<int64_t>(pads) ||
      llvm::any_of(pool.getDilations(), [](int64_t d) { return d != 1; }))
    return emitError(a.loc) << "max_unpool2d: 'indices' must come from "
                               "max_pool2d_indices with the same kernel, "
                               "stride and pad, and no dilation",
           failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  if (shapeOf(*idx) != in)
    return emitError(a.loc) << "max_unpool2d: the indices have shape "
                            << cnn::formatShape(shapeOf(*idx)) << ", the input "
                            << cnn::formatShape(in),
           failure();
  // PyTorch's default size: (in - 1) * stride - 2 * pad + kernel.
  llvm::SmallVector<int64_t, 3> defaultSize;
  for (int i = 0; i < 2; ++i)
    defaultSize.push_back((in[2 + i] - 1) * (*strides)[i] - 2 * (*pad)[i] +
                          (*kernel)[i]);
  auto size = spatialArg(a, "output_size", 2, defaultSize, 1);
  if (failed(size))
    return failure();
  ArrayRef<int64_t> poolIn = pool.getInput().getType().getShape();
  if ((*size)[0] != poolIn[2] || (*size)[1] != poolIn[3])
    return emitError(a.loc)
               << "max_unpool2d: output size " << cnn::formatShape(*size)
               << " is not the pooled input's "
               << cnn::formatShape(poolIn.drop_front(2))
               << "; give output_size",
           failure();
  cnn::Shape result{in[0], in[1], (*size)[0], (*size)[1]};
  return cnn::MaxUnpool2dOp::create(builder, a.opLoc, tensorType(result), *x,
                                    *idx, builder.getDenseI64ArrayAttr(*kernel),
                                    builder.getDenseI64ArrayAttr(*strides),
                                    builder.getDenseI64ArrayAttr(pads))
      .getResult();
}

FailureOr<Value> MLIRGen::avgPool2d(const CallArgs &a) {
  auto x = spatialInput(a, "avg_pool2d", 2);
  if (failed(x))
    return failure();
  auto kernel = spatialArg(a, "kernel", 2, {}, 1);
  auto includePad = boolArg(a, "count_include_pad", true);
  auto ceil = boolArg(a, "ceil_mode", false);
  if (failed(kernel) || failed(includePad) || failed(ceil))
    return failure();
  auto win = windowArgs(a, shapeOf(*x), *kernel, /*isConv=*/false);
  if (failed(win))
    return failure();
  auto result = cnn::inferPool2dShape(
      a.loc, "avg_pool2d", shapeOf(*x),
      {win->kernel, win->strides, win->dilations, win->pad}, *ceil);
  if (failed(result))
    return failure();
  return cnn::AvgPool2dOp::create(builder, a.opLoc, tensorType(*result), *x,
                                  builder.getDenseI64ArrayAttr(win->kernel),
                                  builder.getDenseI64ArrayAttr(win->strides),
                                  builder.getDenseI64ArrayAttr(win->pad),
                                  builder.getBoolAttr(*includePad),
                                  builder.getBoolAttr(*ceil))
      .getResult();
}

template <typename OpTy>
FailureOr<Value> MLIRGen::globalPool(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto result = cnn::inferGlobalPoolShape(a.loc, a.call->text, shapeOf(*x));
  if (failed(result))
    return failure();
  return OpTy::create(builder, a.opLoc, tensorType(*result), *x).getResult();
}

FailureOr<Value> MLIRGen::flatten(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto result = cnn::inferFlattenShape(a.loc, shapeOf(*x));
  if (failed(result))
    return failure();
  return cnn::FlattenOp::create(builder, a.opLoc, tensorType(*result), *x)
      .getResult();
}

FailureOr<Value> MLIRGen::reshape(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto shape = intListArg(a, "shape", -1);
  if (failed(shape))
    return failure();
  // One -1 takes whatever the other dimensions leave, as in PyTorch.
  int64_t numel = cast<RankedTensorType>(x->getType()).getNumElements();
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(*shape)) {
    if (d == -1) {
      if (inferred >= 0)
        return emitError(a.loc) << "reshape: at most one dimension can be -1",
               failure();
      inferred = i;
    } else if (d == 0) {
      return emitError(a.loc) << "reshape: dimensions must be positive or -1",
             failure();
    } else {
      known *= d;
    }
  }
  if (inferred >= 0 && numel % known == 0)
    (*shape)[inferred] = numel / known;
  if ((inferred >= 0 && numel % known != 0) || (inferred < 0 && known != numel))
    return emitError(a.loc)
               << "reshape: cannot reshape " << cnn::formatShape(shapeOf(*x))
               << " (" << numel << " elements) into ["
               << llvm::join(
                      llvm::map_range(
                          *shape, [](int64_t d) { return std::to_string(d); }),
                      ", ")
               << "]",
           failure();
  return cnn::ReshapeOp::create(builder, a.opLoc, tensorType(*shape), *x)
      .getResult();
}

FailureOr<Value> MLIRGen::concat(const CallArgs &a) {
  const Expr *list = a.get("inputs");
  if (list->kind != Expr::Kind::List || list->args.empty())
    return emitError(at(list->loc))
               << "concat: 'inputs' must be a list of tensors, [a, b, ...]",
           failure();
  llvm::SmallVector<Value> inputs;
  llvm::SmallVector<ArrayRef<int64_t>> shapes;
  for (const ExprPtr &item : list->args) {
    auto v = tensor(*item);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
    shapes.push_back(shapeOf(*v));
  }
  auto dim = intArg(a, "dim", 1, 0);
  if (failed(dim))
    return failure();
  auto result = cnn::inferConcatShape(a.loc, shapes, *dim);
  if (failed(result))
    return failure();
  return cnn::ConcatOp::create(builder, a.opLoc, tensorType(*result), inputs,
                               builder.getI64IntegerAttr(*dim))
      .getResult();
}

/// PyTorch's interpolate: `size` or `scale_factor` gives the output size;
/// the source step per output pixel follows PyTorch's rules (see
/// cnn.upsample).
FailureOr<Value> MLIRGen::upsample(const CallArgs &a) {
  auto x = spatialInput(a, "upsample", 2);
  if (failed(x))
    return failure();
  const Expr *modeExpr = a.get("mode");
  cnn::ResizeMode mode = cnn::ResizeMode::nearest;
  if (modeExpr) {
    auto m = modeExpr->kind == Expr::Kind::Name
                 ? cnn::symbolizeResizeMode(modeExpr->text)
                 : std::nullopt;
    if (!m)
      return emitError(at(modeExpr->loc))
                 << "'mode' must be nearest or bilinear, found "
                 << kindName(*modeExpr),
             failure();
    mode = *m;
  }
  auto align = boolArg(a, "align_corners", false);
  if (failed(align))
    return failure();
  if (a.get("align_corners") && mode == cnn::ResizeMode::nearest)
    return emitError(a.loc) << "upsample: align_corners applies to bilinear "
                               "mode only",
           failure();
  const Expr *sizeExpr = a.get("size");
  const Expr *scaleExpr = a.get("scale_factor");
  if ((sizeExpr != nullptr) == (scaleExpr != nullptr))
    return emitError(a.loc) << "upsample: give either 'size' or "
                               "'scale_factor'",
           failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  llvm::SmallVector<int64_t, 2> out;
  llvm::SmallVector<double, 2> factors;
  if (sizeExpr) {
    auto size = spatialArg(a, "size", 2, {}, 1);
    if (failed(size))
      return failure();
    out.assign(size->begin(), size->end());
  } else {
    llvm::SmallVector<const Expr *, 2> items = {scaleExpr, scaleExpr};
    if (scaleExpr->kind == Expr::Kind::List) {
      if (scaleExpr->args.size() != 2)
        return emitError(at(scaleExpr->loc))
                   << "'scale_factor' must be a number or [h, w]",
               failure();
      items = {scaleExpr->args[0].get(), scaleExpr->args[1].get()};
    }
    for (auto [i, item] : llvm::enumerate(items)) {
      auto v = scalar(*item);
      if (failed(v))
        return failure();
      if (v->kind == Scalar::Kind::Bool || !(v->f > 0))
        return emitError(at(item->loc))
                   << "'scale_factor' must be a positive number",
               failure();
      factors.push_back(v->f);
      out.push_back(static_cast<int64_t>(std::floor(in[2 + i] * v->f)));
      if (out.back() < 1)
        return emitError(at(item->loc)) << "upsample: scale_factor " << v->f
                                        << " leaves no output rows",
               failure();
    }
  }
  llvm::SmallVector<double, 2> scales;
  for (int i = 0; i < 2; ++i) {
    if (mode == cnn::ResizeMode::bilinear && *align)
      scales.push_back(out[i] > 1 ? double(in[2 + i] - 1) / (out[i] - 1) : 0.0);
    else
      scales.push_back(factors.empty() ? double(in[2 + i]) / out[i]
                                       : 1.0 / factors[i]);
  }
  cnn::Shape result{in[0], in[1], out[0], out[1]};
  if (failed(checkSize(a.loc, result)))
    return failure();
  return cnn::UpsampleOp::create(builder, a.opLoc, tensorType(result), *x,
                                 cnn::ResizeModeAttr::get(&ctx, mode),
                                 builder.getBoolAttr(*align),
                                 builder.getDenseF64ArrayAttr(scales))
      .getResult();
}

FailureOr<Value> MLIRGen::pixelShuffle(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  auto r = intArg(a, "upscale_factor", 0, 1);
  if (failed(x) || failed(r))
    return failure();
  auto result = cnn::inferPixelShuffleShape(a.loc, shapeOf(*x), *r);
  if (failed(result))
    return failure();
  return cnn::PixelShuffleOp::create(builder, a.opLoc, tensorType(*result), *x,
                                     builder.getI64IntegerAttr(*r))
      .getResult();
}

/// Collects the numbers of a nested list and its shape.
static LogicalResult
flattenList(const Expr &e, unsigned depth,
            llvm::SmallVectorImpl<int64_t> &shape,
            llvm::SmallVectorImpl<const Expr *> &items,
            function_ref<InFlightDiagnostic(const Expr &)> error) {
  if (e.kind != Expr::Kind::List) {
    if (depth != shape.size())
      return error(e) << "tensor: this value sits at depth " << depth
                      << ", but earlier ones at depth " << shape.size();
    items.push_back(&e);
    return success();
  }
  if (depth == shape.size()) {
    if (!items.empty())
      return error(e) << "tensor: a list where a number was expected";
    shape.push_back(e.args.size());
  } else if (depth > shape.size() ||
             shape[depth] != static_cast<int64_t>(e.args.size())) {
    return error(e) << "tensor: rows must all have the same length";
  }
  if (e.args.empty())
    return error(e) << "tensor: empty list";
  for (const ExprPtr &item : e.args)
    if (failed(flattenList(*item, depth + 1, shape, items, error)))
      return failure();
  return success();
}

FailureOr<Value> MLIRGen::constantTensor(const CallArgs &a) {
  const Expr *values = a.get("values");
  if (values->kind != Expr::Kind::List)
    return emitError(at(values->loc))
               << "tensor: 'values' must be a nested list of numbers",
           failure();
  llvm::SmallVector<int64_t, 4> shape;
  llvm::SmallVector<const Expr *> items;
  if (failed(flattenList(*values, 0, shape, items,
                         [&](const Expr &e) { return emitError(at(e.loc)); })))
    return failure();
  if (failed(checkSize(a.loc, shape)))
    return failure();
  llvm::SmallVector<float> data;
  for (const Expr *item : items) {
    auto v = scalar(*item);
    if (failed(v))
      return failure();
    if (v->kind == Scalar::Kind::Bool)
      return emitError(at(item->loc)) << "tensor: values must be numbers",
             failure();
    data.push_back(static_cast<float>(v->f));
  }
  auto type = tensorType(shape);
  return cnn::ConstantOp::create(
             builder, a.opLoc,
             DenseElementsAttr::get(type, ArrayRef<float>(data)))
      .getResult();
}

FailureOr<Value> MLIRGen::fullTensor(const CallArgs &a) {
  auto shape = intListArg(a, "shape", 1);
  auto value = floatArg(a, "value", 0.0);
  if (failed(shape) || failed(value) || failed(checkSize(a.loc, *shape)))
    return failure();
  auto type = tensorType(*shape);
  return cnn::ConstantOp::create(
             builder, a.opLoc,
             DenseElementsAttr::get(type, static_cast<float>(*value)))
      .getResult();
}

FailureOr<Value> MLIRGen::softmax(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  auto dim = intArg(a, "dim", 1, 0);
  if (failed(dim))
    return failure();
  int64_t rank = shapeOf(*x).size();
  if (*dim >= rank)
    return emitError(a.loc) << "softmax: dimension " << *dim
                            << " is out of range for rank " << rank,
           failure();
  return cnn::SoftmaxOp::create(builder, a.opLoc, *x,
                                builder.getI64IntegerAttr(*dim))
      .getResult();
}

FailureOr<Value> MLIRGen::leakyRelu(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  auto slope = floatArg(a, "negative_slope", 0.01);
  if (failed(x) || failed(slope))
    return failure();
  return cnn::LeakyReluOp::create(builder, a.opLoc, *x,
                                  builder.getF64FloatAttr(*slope))
      .getResult();
}

template <typename OpTy>
FailureOr<Value> MLIRGen::activation(const CallArgs &a) {
  auto x = tensorArg(a, "input");
  if (failed(x))
    return failure();
  return OpTy::create(builder, a.opLoc, *x).getResult();
}

/// Two tensors of one shape, or a tensor and a number (a splat constant of
/// the tensor's shape, which the lowering folds into the loop).
template <typename OpTy> FailureOr<Value> MLIRGen::binary(const CallArgs &a) {
  const Expr *operands[] = {a.get("lhs"), a.get("rhs")};
  auto isNumber = [&](const Expr *e) {
    return e->kind == Expr::Kind::Int || e->kind == Expr::Kind::Float ||
           e->kind == Expr::Kind::Binary || e->kind == Expr::Kind::Neg ||
           (e->kind == Expr::Kind::Name && scope->scalars.count(e->text));
  };
  if (isNumber(operands[0]) && isNumber(operands[1]))
    return emitError(a.loc)
               << a.call->text << ": at least one operand must be a tensor",
           failure();
  Value v[2];
  for (int i = 0; i < 2; ++i) {
    if (isNumber(operands[i]))
      continue;
    auto t = tensor(*operands[i]);
    if (failed(t))
      return failure();
    v[i] = *t;
  }
  for (int i = 0; i < 2; ++i) {
    if (v[i])
      continue;
    auto s = scalar(*operands[i]);
    if (failed(s))
      return failure();
    if (s->kind == Scalar::Kind::Bool)
      return emitError(at(operands[i]->loc))
                 << a.call->text << ": expected a number",
             failure();
    auto type = cast<RankedTensorType>(v[1 - i].getType());
    v[i] = cnn::ConstantOp::create(
        builder, a.opLoc,
        DenseElementsAttr::get(type, static_cast<float>(s->f)));
  }
  if (v[0].getType() != v[1].getType())
    return emitError(a.loc)
               << a.call->text << ": operands have shapes "
               << cnn::formatShape(shapeOf(v[0])) << " and "
               << cnn::formatShape(shapeOf(v[1])) << "; they must match",
           failure();
  return OpTy::create(builder, a.opLoc, v[0], v[1]).getResult();
}

namespace {
const std::vector<const char *> kConvParams = {
    "input",  "out",  "kernel",       "stride", "pad",   "dilation",
    "groups", "bias", "padding_mode", "flip",   "weight"};
const std::vector<const char *> kConvTransposeParams = {
    "input",    "out",    "kernel", "stride",        "pad",
    "dilation", "groups", "bias",   "output_padding"};

const std::vector<LayerDef> &layerTable() {
  static const std::vector<LayerDef> table = {
      {"conv1d", kConvParams, 1, &MLIRGen::conv<1>},
      {"conv2d", kConvParams, 1, &MLIRGen::conv<2>},
      {"conv3d", kConvParams, 1, &MLIRGen::conv<3>},
      {"conv_transpose1d", kConvTransposeParams, 3, &MLIRGen::convTranspose<1>},
      {"conv_transpose2d", kConvTransposeParams, 3, &MLIRGen::convTranspose<2>},
      {"depthwise_conv2d",
       {"input", "kernel", "stride", "pad", "dilation", "multiplier", "bias",
        "padding_mode", "flip"},
       2,
       &MLIRGen::depthwiseConv2d},
      {"pointwise_conv2d",
       {"input", "out", "stride", "bias"},
       2,
       &MLIRGen::pointwiseConv2d},
      {"linear", {"input", "out", "bias"}, 2, &MLIRGen::linear},
      {"batch_norm", {"input", "eps"}, 1, &MLIRGen::batchNorm},
      {"max_pool2d",
       {"input", "kernel", "stride", "pad", "dilation", "ceil_mode"},
       2,
       &MLIRGen::maxPool2d<cnn::MaxPool2dOp>},
      {"max_pool2d_indices",
       {"input", "kernel", "stride", "pad", "dilation", "ceil_mode"},
       2,
       &MLIRGen::maxPool2d<cnn::MaxPool2dIndicesOp>},
      {"max_unpool2d",
       {"input", "indices", "kernel", "stride", "pad", "output_size"},
       3,
       &MLIRGen::maxUnpool2d},
      {"avg_pool2d",
       {"input", "kernel", "stride", "pad", "count_include_pad", "ceil_mode"},
       2,
       &MLIRGen::avgPool2d},
      {"global_avg_pool",
       {"input"},
       1,
       &MLIRGen::globalPool<cnn::GlobalAvgPoolOp>},
      {"global_max_pool",
       {"input"},
       1,
       &MLIRGen::globalPool<cnn::GlobalMaxPoolOp>},
      {"flatten", {"input"}, 1, &MLIRGen::flatten},
      {"reshape", {"input", "shape"}, 2, &MLIRGen::reshape},
      {"concat", {"inputs", "dim"}, 1, &MLIRGen::concat},
      {"softmax", {"input", "dim"}, 1, &MLIRGen::softmax},
      {"upsample",
       {"input", "scale_factor", "size", "mode", "align_corners"},
       1,
       &MLIRGen::upsample},
      {"pixel_shuffle", {"input", "upscale_factor"}, 2, &MLIRGen::pixelShuffle},
      {"tensor", {"values"}, 1, &MLIRGen::constantTensor},
      {"full", {"shape", "value"}, 2, &MLIRGen::fullTensor},
      {"relu", {"input"}, 1, &MLIRGen::activation<cnn::ReluOp>},
      {"relu6", {"input"}, 1, &MLIRGen::activation<cnn::Relu6Op>},
      {"sigmoid", {"input"}, 1, &MLIRGen::activation<cnn::SigmoidOp>},
      {"tanh", {"input"}, 1, &MLIRGen::activation<cnn::TanhOp>},
      {"silu", {"input"}, 1, &MLIRGen::activation<cnn::SiluOp>},
      {"hardswish", {"input"}, 1, &MLIRGen::activation<cnn::HardswishOp>},
      {"leaky_relu", {"input", "negative_slope"}, 1, &MLIRGen::leakyRelu},
      {"add", {"lhs", "rhs"}, 2, &MLIRGen::binary<cnn::AddOp>},
      {"mul", {"lhs", "rhs"}, 2, &MLIRGen::binary<cnn::MulOp>},
      {"sub", {"lhs", "rhs"}, 2, &MLIRGen::binary<cnn::SubOp>},
      {"sqrt", {"input"}, 1, &MLIRGen::activation<cnn::SqrtOp>},
      {"abs", {"input"}, 1, &MLIRGen::activation<cnn::AbsOp>},
  };
  return table;
}
} // namespace

OwningOpRef<ModuleOp> convc::mlirGen(MLIRContext &context, const File &file,
                                     WeightSource *weights) {
  context.loadDialect<cnn::CnnDialect, func::FuncDialect>();
  return MLIRGen(context, weights).build(file);
}
