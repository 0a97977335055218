//===- AST.h - the syntax tree of a .cnn file -------------------*- C++ -*-===//

#ifndef CONVC_FRONTEND_AST_H
#define CONVC_FRONTEND_AST_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
#include <string>
#include <vector>

namespace convc::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// A keyword argument `name=value` of a call.
struct KwArg {
  std::string name;
  mlir::Location loc;
  ExprPtr value;
};

struct Expr {
  enum class Kind {
    Name,
    Int,
    Float,
    Bool,
    String,
    List,
    Call,
    Binary,
    Neg,
    Cond
  };
  Kind kind;
  mlir::Location loc;
  std::string text;          // Name: dotted name; String: value; Call: callee;
                             // Binary: the operator (+ - * / == != < <= > >=)
  int64_t intValue = 0;      // Int, Bool
  double floatValue = 0;     // Int, Float
  std::vector<ExprPtr> args; // List: items; Call: positional arguments;
                             // Binary: the operands; Neg: the operand;
                             // Cond: then, condition, else
  std::vector<KwArg> kwargs; // Call: keyword arguments

  Expr(Kind kind, mlir::Location loc) : kind(kind), loc(loc) {}
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
};

struct TensorType {
  std::string dtype; // "f32"
  llvm::SmallVector<int64_t, 4> shape;
};

/// A model input or output's layout at the boundary: NCHW (the default,
/// as PyTorch) or NHWC; inside the model every tensor is NCHW.
enum class Layout { NCHW, NHWC };

struct Param {
  std::string name;
  mlir::Location loc;
  TensorType type;
  Layout layout = Layout::NCHW;
};

struct Output {
  std::string name;
  mlir::Location loc;
  Layout layout = Layout::NCHW;
};

/// `name = value`.
struct Binding {
  std::string name;
  mlir::Location loc;
  ExprPtr value;
};

struct Model {
  std::string name;
  mlir::Location loc;
  std::vector<Param> params;
  std::vector<Output> outputNames;
  std::vector<Binding> body;
  std::vector<ExprPtr> results; // the `return` list
  mlir::Location returnLoc;
};

/// A parameter of a block: a tensor, or a scalar (int, float, bool) with an
/// optional default.
struct BlockParam {
  enum class Kind { Tensor, Int, Float, Bool };
  std::string name;
  mlir::Location loc;
  Kind kind = Kind::Tensor;
  ExprPtr defaultValue; // may be null
};

/// A reusable group of layers; calling it nests its weight names under the
/// name the call is bound to.
struct Block {
  std::string name;
  mlir::Location loc;
  std::vector<BlockParam> params;
  std::vector<Binding> body;
  ExprPtr result;
  mlir::Location returnLoc;
};

struct File {
  std::vector<Block> blocks;
  std::vector<Model> models;
};

/// Prints the tree as indented S-expressions with line:col, for --emit=ast.
void print(const File &file, llvm::raw_ostream &os);

} // namespace convc::ast

#endif // CONVC_FRONTEND_AST_H
