//===- Parser.cpp - .cnn source to AST ------------------------------------===//
//
// file    := (block | model)*
// block   := 'block' IDENT '(' [bparam {',' bparam}] ')'
//            '{' binding* 'return' expr '}'
// bparam  := IDENT [':' ('int' | 'float' | 'bool' | 'tensor')] ['=' expr]
// model   := 'model' IDENT '(' [param {',' param}] ')'
//            ['->' '(' output {',' output} ')'] '{' binding* return '}'
// param   := IDENT ':' [layout] IDENT '[' INT {',' INT} ']'
// output  := IDENT [':' layout]
// layout  := 'nchw' | 'nhwc'
// binding := name '=' expr
// return  := 'return' expr {',' expr}
// expr    := or ['if' or 'else' expr]
// or      := and {'or' and}
// and     := not {'and' not}
// not     := 'not' not | cmp
// cmp     := sum [('==' | '!=' | '<' | '<=' | '>' | '>=') sum]
// sum     := term {('+' | '-') term}
// term    := unary {('*' | '/') unary}
// unary   := '-' unary | primary
// primary := name | IDENT '(' [arg {',' arg}] ')' | INT | FLOAT | STRING
//          | 'true' | 'false' | '[' [expr {',' expr}] ']' | '(' expr ')'
// arg     := expr | IDENT '=' expr
// name    := IDENT {'.' (IDENT | INT)}
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Lexer.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"

using namespace convc;
using namespace convc::ast;
using mlir::failure;
using mlir::FailureOr;
using mlir::Location;

namespace {

class Parser {
public:
  Parser(llvm::StringRef source, llvm::StringRef filename,
         mlir::MLIRContext *ctx)
      : lexer(source), file(mlir::StringAttr::get(ctx, filename)) {
    tok = lexer.next();
  }

  FailureOr<File> parseFile();

private:
  Location loc(const Token &t) const {
    return mlir::FileLineColLoc::get(file, t.line, t.col);
  }
  Location here() const { return loc(tok); }

  void consume() { tok = lexer.next(); }
  bool isKeyword(llvm::StringRef word) const {
    return tok.kind == Tok::Ident && tok.text == word;
  }

  /// Reports an error at the current token.
  mlir::LogicalResult error(const llvm::Twine &msg) {
    if (tok.kind == Tok::Error)
      return mlir::emitError(here()) << tok.stringValue;
    return mlir::emitError(here()) << msg;
  }
  mlir::LogicalResult expected(llvm::StringRef what) {
    std::string found = tok.kind == Tok::Eof ? std::string("end of file")
                                             : "'" + tok.text.str() + "'";
    return error("expected " + what + ", found " + found);
  }
  mlir::LogicalResult expect(Tok kind, llvm::StringRef context = "") {
    if (tok.kind != kind)
      return expected(context.empty() ? tokName(kind).str()
                                      : (tokName(kind) + " " + context).str());
    consume();
    return mlir::success();
  }

  FailureOr<Model> parseModel();
  FailureOr<Block> parseBlock();
  mlir::LogicalResult parseBindings(std::vector<Binding> &body);
  FailureOr<ExprPtr> parseBinary(unsigned level);
  FailureOr<ExprPtr> parsePrimary();
  FailureOr<Param> parseParam();
  FailureOr<Layout> parseLayout();
  FailureOr<std::string> parseDottedName();
  FailureOr<ExprPtr> parseExpr();
  FailureOr<ExprPtr> parseCallRest(std::string callee, Location at);

  Lexer lexer;
  mlir::StringAttr file;
  Token tok;
  unsigned depth = 0; // expression nesting, bounded against stack overflow
};

} // namespace

FailureOr<File> Parser::parseFile() {
  File f;
  while (tok.kind != Tok::Eof) {
    if (isKeyword("block")) {
      auto b = parseBlock();
      if (failed(b))
        return failure();
      f.blocks.push_back(std::move(*b));
      continue;
    }
    if (!isKeyword("model"))
      return expected("'model' or 'block'");
    auto m = parseModel();
    if (failed(m))
      return failure();
    f.models.push_back(std::move(*m));
  }
  return f;
}

FailureOr<Model> Parser::parseModel() {
  Location at = here();
  consume(); // 'model'
  if (tok.kind != Tok::Ident)
    return expected("the model's name");
  Model m{tok.text.str(), at, {}, {}, {}, {}, at};
  consume();
  if (failed(expect(Tok::LParen, "after the model's name")))
    return failure();
  llvm::StringSet<> seen;
  if (tok.kind != Tok::RParen) {
    do {
      auto p = parseParam();
      if (failed(p))
        return failure();
      if (!seen.insert(p->name).second)
        return mlir::emitError(p->loc)
                   << "input '" << p->name << "' is declared twice",
               failure();
      m.params.push_back(std::move(*p));
    } while (tok.kind == Tok::Comma && (consume(), true));
  }
  if (failed(expect(Tok::RParen, "after the model's inputs")))
    return failure();
  if (tok.kind == Tok::Arrow) {
    consume();
    if (failed(expect(Tok::LParen, "before the output names")))
      return failure();
    do {
      if (tok.kind != Tok::Ident)
        return expected("an output name");
      Output o{tok.text.str(), here(), Layout::NCHW};
      consume();
      if (tok.kind == Tok::Colon) {
        consume();
        auto layout = parseLayout();
        if (failed(layout))
          return failure();
        o.layout = *layout;
      }
      m.outputNames.push_back(std::move(o));
    } while (tok.kind == Tok::Comma && (consume(), true));
    if (failed(expect(Tok::RParen, "after the output names")))
      return failure();
  }
  if (failed(expect(Tok::LBrace, "to open the model's body")))
    return failure();
  if (failed(parseBindings(m.body)))
    return failure();
  m.returnLoc = here();
  consume(); // 'return'
  do {
    auto r = parseExpr();
    if (failed(r))
      return failure();
    m.results.push_back(std::move(*r));
  } while (tok.kind == Tok::Comma && (consume(), true));
  if (failed(expect(Tok::RBrace, "after the return statement")))
    return failure();
  return m;
}

mlir::LogicalResult Parser::parseBindings(std::vector<Binding> &body) {
  while (!isKeyword("return")) {
    if (tok.kind != Tok::Ident)
      return expected("a binding 'name = ...' or 'return'");
    Location bindAt = here();
    auto name = parseDottedName();
    if (failed(name))
      return failure();
    if (failed(expect(Tok::Equal, "after the name '" + *name + "'")))
      return failure();
    auto value = parseExpr();
    if (failed(value))
      return failure();
    body.push_back({*name, bindAt, std::move(*value)});
  }
  return mlir::success();
}

FailureOr<Block> Parser::parseBlock() {
  Location at = here();
  consume(); // 'block'
  if (tok.kind != Tok::Ident)
    return expected("the block's name");
  Block b{tok.text.str(), at, {}, {}, nullptr, at};
  consume();
  if (failed(expect(Tok::LParen, "after the block's name")))
    return failure();
  llvm::StringSet<> seen;
  if (tok.kind != Tok::RParen) {
    do {
      if (tok.kind != Tok::Ident)
        return expected("a parameter name");
      BlockParam p{tok.text.str(), here(), BlockParam::Kind::Tensor, nullptr};
      if (!seen.insert(p.name).second)
        return mlir::emitError(p.loc)
               << "parameter '" << p.name << "' is declared twice";
      consume();
      if (tok.kind == Tok::Colon) {
        consume();
        static const std::pair<const char *, BlockParam::Kind> kinds[] = {
            {"int", BlockParam::Kind::Int},
            {"float", BlockParam::Kind::Float},
            {"bool", BlockParam::Kind::Bool},
            {"tensor", BlockParam::Kind::Tensor}};
        auto it =
            llvm::find_if(kinds, [&](auto &k) { return isKeyword(k.first); });
        if (it == std::end(kinds))
          return expected("a parameter type (int, float, bool or tensor)");
        p.kind = it->second;
        consume();
      }
      if (tok.kind == Tok::Equal) {
        consume();
        auto v = parseExpr();
        if (failed(v))
          return failure();
        p.defaultValue = std::move(*v);
      }
      b.params.push_back(std::move(p));
    } while (tok.kind == Tok::Comma && (consume(), true));
  }
  if (failed(expect(Tok::RParen, "after the block's parameters")) ||
      failed(expect(Tok::LBrace, "to open the block's body")) ||
      failed(parseBindings(b.body)))
    return failure();
  b.returnLoc = here();
  consume(); // 'return'
  auto r = parseExpr();
  if (failed(r))
    return failure();
  b.result = std::move(*r);
  if (failed(expect(Tok::RBrace, "after the return statement")))
    return failure();
  return b;
}

FailureOr<Layout> Parser::parseLayout() {
  if (!isKeyword("nchw") && !isKeyword("nhwc"))
    return expected("a layout, nchw or nhwc");
  Layout layout = isKeyword("nhwc") ? Layout::NHWC : Layout::NCHW;
  consume();
  return layout;
}

FailureOr<Param> Parser::parseParam() {
  if (tok.kind != Tok::Ident)
    return expected("an input name");
  Param p{tok.text.str(), here(), {}};
  consume();
  if (failed(expect(Tok::Colon, "and a type after the input name")))
    return failure();
  if (isKeyword("nchw") || isKeyword("nhwc")) {
    p.layout = isKeyword("nhwc") ? Layout::NHWC : Layout::NCHW;
    consume();
  }
  if (tok.kind != Tok::Ident)
    return expected("an element type such as f32");
  if (tok.text != "f32")
    return error("unsupported element type '" + tok.text + "'; inputs are f32");
  p.type.dtype = tok.text.str();
  consume();
  if (failed(expect(Tok::LBracket, "to open the input's shape")))
    return failure();
  do {
    if (tok.kind != Tok::Int || tok.intValue <= 0)
      return expected("a positive dimension");
    p.type.shape.push_back(tok.intValue);
    consume();
  } while (tok.kind == Tok::Comma && (consume(), true));
  if (failed(expect(Tok::RBracket, "to close the input's shape")))
    return failure();
  return p;
}

FailureOr<std::string> Parser::parseDottedName() {
  std::string name = tok.text.str();
  consume();
  while (tok.kind == Tok::Dot) {
    consume();
    // `conv.0.1` lexes as `conv` `.` `0.1`: a float of plain digits is two
    // name parts.
    bool digitsDotDigits =
        tok.kind == Tok::Float &&
        llvm::all_of(tok.text, [](char c) { return c == '.' || isdigit(c); });
    if (tok.kind != Tok::Ident && tok.kind != Tok::Int && !digitsDotDigits)
      return expected("a name part after '.'");
    name += "." + tok.text.str();
    consume();
  }
  return name;
}

FailureOr<ExprPtr> Parser::parseExpr() {
  auto value = parseBinary(0);
  if (failed(value) || !isKeyword("if"))
    return value;
  // `a if cond else b`: only the chosen branch is evaluated.
  auto e = std::make_unique<Expr>(Expr::Kind::Cond, here());
  consume();
  auto cond = parseBinary(0);
  if (failed(cond))
    return failure();
  if (!isKeyword("else"))
    return expected("'else'");
  consume();
  auto other = parseExpr();
  if (failed(other))
    return failure();
  e->args.push_back(std::move(*value));
  e->args.push_back(std::move(*cond));
  e->args.push_back(std::move(*other));
  return e;
}

/// Level 0: or; 1: and; 2: not; 3: comparisons; 4: + and -; 5: * and /;
/// 6: unary minus and primaries.
FailureOr<ExprPtr> Parser::parseBinary(unsigned level) {
  if (level == 2) {
    if (!isKeyword("not"))
      return parseBinary(3);
    auto e = std::make_unique<Expr>(Expr::Kind::Neg, here());
    e->text = "not";
    consume();
    auto operand = parseBinary(2);
    if (failed(operand))
      return failure();
    e->args.push_back(std::move(*operand));
    return e;
  }
  if (level == 6) {
    if (tok.kind != Tok::Minus)
      return parsePrimary();
    Location at = here();
    consume();
    auto operand = parseBinary(6);
    if (failed(operand))
      return failure();
    // Fold the sign into number literals.
    if ((*operand)->isNumber()) {
      (*operand)->loc = at;
      (*operand)->intValue = -(*operand)->intValue;
      (*operand)->floatValue = -(*operand)->floatValue;
      return operand;
    }
    auto e = std::make_unique<Expr>(Expr::Kind::Neg, at);
    e->text = "-";
    e->args.push_back(std::move(*operand));
    return e;
  }
  auto lhs = parseBinary(level + 1);
  if (failed(lhs))
    return failure();
  for (;;) {
    bool comparison = tok.kind == Tok::EqEq || tok.kind == Tok::NotEq ||
                      tok.kind == Tok::Less || tok.kind == Tok::LessEq ||
                      tok.kind == Tok::Greater || tok.kind == Tok::GreaterEq;
    bool additive = tok.kind == Tok::Plus || tok.kind == Tok::Minus;
    bool multiplicative = tok.kind == Tok::Star || tok.kind == Tok::Slash;
    bool matches = level == 0   ? isKeyword("or")
                   : level == 1 ? isKeyword("and")
                   : level == 3 ? comparison
                   : level == 4 ? additive
                                : multiplicative;
    if (!matches)
      return lhs;
    auto e = std::make_unique<Expr>(Expr::Kind::Binary, here());
    e->text = tok.text.str();
    consume();
    auto rhs = parseBinary(level + 1);
    if (failed(rhs))
      return failure();
    e->args.push_back(std::move(*lhs));
    e->args.push_back(std::move(*rhs));
    lhs = std::move(e);
    if (level == 3) // comparisons do not chain
      return lhs;
  }
}

FailureOr<ExprPtr> Parser::parsePrimary() {
  Location at = here();
  if (depth >= 200)
    return error("expressions are nested too deeply");
  struct Nest {
    unsigned &d;
    ~Nest() { --d; }
  } nest{++depth};
  switch (tok.kind) {
  case Tok::Int:
  case Tok::Float: {
    auto e = std::make_unique<Expr>(
        tok.kind == Tok::Int ? Expr::Kind::Int : Expr::Kind::Float, at);
    e->intValue = tok.intValue;
    e->floatValue = tok.floatValue;
    consume();
    return e;
  }
  case Tok::LParen: {
    consume();
    auto e = parseExpr();
    if (failed(e) || failed(expect(Tok::RParen, "to close the parenthesis")))
      return failure();
    return e;
  }
  case Tok::String: {
    auto e = std::make_unique<Expr>(Expr::Kind::String, at);
    e->text = tok.stringValue;
    consume();
    return e;
  }
  case Tok::LBracket: {
    consume();
    auto e = std::make_unique<Expr>(Expr::Kind::List, at);
    if (tok.kind != Tok::RBracket) {
      do {
        auto item = parseExpr();
        if (failed(item))
          return failure();
        e->args.push_back(std::move(*item));
      } while (tok.kind == Tok::Comma && (consume(), true));
    }
    if (failed(expect(Tok::RBracket, "to close the list")))
      return failure();
    return e;
  }
  case Tok::Ident: {
    if (isKeyword("true") || isKeyword("false")) {
      auto e = std::make_unique<Expr>(Expr::Kind::Bool, at);
      e->intValue = isKeyword("true");
      consume();
      return e;
    }
    auto name = parseDottedName();
    if (failed(name))
      return failure();
    if (tok.kind == Tok::LParen) {
      if (name->find('.') != std::string::npos)
        return mlir::emitError(at)
                   << "'" << *name << "' is not a layer or block name",
               failure();
      return parseCallRest(std::move(*name), at);
    }
    auto e = std::make_unique<Expr>(Expr::Kind::Name, at);
    e->text = std::move(*name);
    return e;
  }
  default:
    return expected("an expression");
  }
}

FailureOr<ExprPtr> Parser::parseCallRest(std::string callee, Location at) {
  consume(); // '('
  auto e = std::make_unique<Expr>(Expr::Kind::Call, at);
  e->text = std::move(callee);
  if (tok.kind != Tok::RParen) {
    do {
      // `IDENT =` starts a keyword argument.
      if (tok.kind == Tok::Ident) {
        Lexer probe = lexer;
        if (probe.next().kind == Tok::Equal) {
          KwArg kw{tok.text.str(), here(), nullptr};
          consume();
          consume(); // '='
          for (const KwArg &other : e->kwargs)
            if (other.name == kw.name)
              return mlir::emitError(kw.loc)
                         << "'" << kw.name << "' is given twice",
                     failure();
          auto v = parseExpr();
          if (failed(v))
            return failure();
          kw.value = std::move(*v);
          e->kwargs.push_back(std::move(kw));
          continue;
        }
      }
      if (!e->kwargs.empty())
        return error("positional arguments must come before keyword "
                     "arguments");
      auto a = parseExpr();
      if (failed(a))
        return failure();
      e->args.push_back(std::move(*a));
    } while (tok.kind == Tok::Comma && (consume(), true));
  }
  if (failed(expect(Tok::RParen, "to close the call to '" + e->text + "'")))
    return failure();
  return e;
}

FailureOr<File> convc::parseSource(llvm::StringRef source,
                                   llvm::StringRef filename,
                                   mlir::MLIRContext *context) {
  return Parser(source, filename, context).parseFile();
}
