//===- Lexer.h - tokens of the .cnn language --------------------*- C++ -*-===//

#ifndef CONVC_FRONTEND_LEXER_H
#define CONVC_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>

namespace convc {

enum class Tok {
  Eof,
  Error,
  Ident,
  Int,
  Float,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equal,
  Dot,
  Arrow,
  Minus,
  Plus,
  Star,
  Slash,
  EqEq,
  NotEq,
  Less,
  LessEq,
  Greater,
  GreaterEq,
};

struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text; // the token's spelling in the source
  unsigned line = 1, col = 1;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string stringValue; // String: unquoted; Error: the message
};

/// Splits a .cnn source into tokens. Whitespace, newlines and comments
/// (`#` or `//` to the end of the line) separate tokens and are dropped.
class Lexer {
public:
  explicit Lexer(llvm::StringRef source) : src(source) {}
  Token next();

private:
  char peek(size_t ahead = 0) const {
    return pos + ahead < src.size() ? src[pos + ahead] : '\0';
  }
  void advance();
  Token make(Tok kind, size_t start, unsigned line, unsigned col);

  llvm::StringRef src;
  size_t pos = 0;
  unsigned line = 1, col = 1;
};

llvm::StringRef tokName(Tok kind);

} // namespace convc

#endif // CONVC_FRONTEND_LEXER_H
