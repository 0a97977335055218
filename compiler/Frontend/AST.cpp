//===- AST.cpp - printing the syntax tree ---------------------------------===//

#include "compiler/Frontend/AST.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace convc::ast;

static std::string where(mlir::Location loc) {
  if (auto flc = llvm::dyn_cast<mlir::FileLineColLoc>(loc))
    return std::to_string(flc.getLine()) + ":" +
           std::to_string(flc.getColumn());
  return "?";
}

static void printExpr(const Expr &e, llvm::raw_ostream &os, unsigned indent) {
  os.indent(indent);
  switch (e.kind) {
  case Expr::Kind::Name:
    os << "(name " << e.text;
    break;
  case Expr::Kind::Int:
    os << "(int " << e.intValue;
    break;
  case Expr::Kind::Float:
    os << "(float " << e.floatValue;
    break;
  case Expr::Kind::Bool:
    os << "(bool " << (e.intValue ? "true" : "false");
    break;
  case Expr::Kind::String:
    os << "(string \"" << e.text << "\"";
    break;
  case Expr::Kind::List:
    os << "(list";
    break;
  case Expr::Kind::Call:
    os << "(call " << e.text;
    break;
  case Expr::Kind::Binary:
    os << "(binary " << e.text;
    break;
  case Expr::Kind::Neg:
    os << "(neg";
    break;
  case Expr::Kind::Cond:
    os << "(if";
    break;
  }
  os << " @" << where(e.loc);
  for (const ExprPtr &a : e.args) {
    os << "\n";
    printExpr(*a, os, indent + 2);
  }
  for (const KwArg &kw : e.kwargs) {
    os << "\n";
    os.indent(indent + 2) << "(kwarg " << kw.name << " @" << where(kw.loc)
                          << "\n";
    printExpr(*kw.value, os, indent + 4);
    os << ")";
  }
  os << ")";
}

static void printBindings(const std::vector<Binding> &body,
                          llvm::raw_ostream &os) {
  for (const Binding &b : body) {
    os << "  (let " << b.name << " @" << where(b.loc) << "\n";
    printExpr(*b.value, os, 4);
    os << ")\n";
  }
}

void convc::ast::print(const File &file, llvm::raw_ostream &os) {
  static const char *kinds[] = {"tensor", "int", "float", "bool"};
  for (const Block &b : file.blocks) {
    os << "(block " << b.name << " @" << where(b.loc) << "\n";
    for (const BlockParam &p : b.params) {
      os << "  (param " << p.name << " " << kinds[static_cast<int>(p.kind)]
         << " @" << where(p.loc);
      if (p.defaultValue) {
        os << "\n";
        printExpr(*p.defaultValue, os, 4);
      }
      os << ")\n";
    }
    printBindings(b.body, os);
    os << "  (return @" << where(b.returnLoc) << "\n";
    printExpr(*b.result, os, 4);
    os << "))\n";
  }
  for (const Model &m : file.models) {
    os << "(model " << m.name << " @" << where(m.loc) << "\n";
    for (const Param &p : m.params) {
      os << "  (input " << p.name << " "
         << (p.layout == Layout::NHWC ? "nhwc " : "") << p.type.dtype << "[";
      llvm::interleaveComma(p.type.shape, os);
      os << "] @" << where(p.loc) << ")\n";
    }
    for (const Output &o : m.outputNames)
      os << "  (output " << o.name << (o.layout == Layout::NHWC ? " nhwc" : "")
         << " @" << where(o.loc) << ")\n";
    printBindings(m.body, os);
    os << "  (return @" << where(m.returnLoc);
    for (const ExprPtr &r : m.results) {
      os << "\n";
      printExpr(*r, os, 4);
    }
    os << "))\n";
  }
}
