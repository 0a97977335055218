//===- Lexer.cpp - tokens of the .cnn language ----------------------------===//

#include "compiler/Frontend/Lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

using namespace convc;

llvm::StringRef convc::tokName(Tok kind) {
  switch (kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Error:
    return "invalid token";
  case Tok::Ident:
    return "a name";
  case Tok::Int:
    return "an integer";
  case Tok::Float:
    return "a number";
  case Tok::String:
    return "a string";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::Comma:
    return "','";
  case Tok::Colon:
    return "':'";
  case Tok::Equal:
    return "'='";
  case Tok::Dot:
    return "'.'";
  case Tok::Arrow:
    return "'->'";
  case Tok::Minus:
    return "'-'";
  case Tok::Plus:
    return "'+'";
  case Tok::Star:
    return "'*'";
  case Tok::Slash:
    return "'/'";
  case Tok::EqEq:
    return "'=='";
  case Tok::NotEq:
    return "'!='";
  case Tok::Less:
    return "'<'";
  case Tok::LessEq:
    return "'<='";
  case Tok::Greater:
    return "'>'";
  case Tok::GreaterEq:
    return "'>='";
  }
  return "?";
}

void Lexer::advance() {
  if (src[pos] == '\n') {
    ++line;
    col = 1;
  } else {
    ++col;
  }
  ++pos;
}

Token Lexer::make(Tok kind, size_t start, unsigned l, unsigned c) {
  Token t;
  t.kind = kind;
  t.text = src.slice(start, pos);
  t.line = l;
  t.col = c;
  return t;
}

Token Lexer::next() {
  // Skip whitespace and comments.
  for (;;) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';') {
      advance();
    } else if (c == '#' || (c == '/' && peek(1) == '/')) {
      while (pos < src.size() && peek() != '\n')
        advance();
    } else {
      break;
    }
  }
  size_t start = pos;
  unsigned l = line, c0 = col;
  if (pos >= src.size())
    return make(Tok::Eof, start, l, c0);
  char c = peek();
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')
      advance();
    return make(Tok::Ident, start, l, c0);
  }
  if (std::isdigit(static_cast<unsigned char>(c))) {
    bool isFloat = false;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      advance();
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      isFloat = true;
      advance();
      while (std::isdigit(static_cast<unsigned char>(peek())))
        advance();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(peek(1))) ||
         ((peek(1) == '-' || peek(1) == '+') &&
          std::isdigit(static_cast<unsigned char>(peek(2)))))) {
      isFloat = true;
      advance();
      advance();
      while (std::isdigit(static_cast<unsigned char>(peek())))
        advance();
    }
    Token t = make(isFloat ? Tok::Float : Tok::Int, start, l, c0);
    std::string spelled = t.text.str();
    errno = 0;
    if (isFloat) {
      t.floatValue = std::strtod(spelled.c_str(), nullptr);
    } else {
      t.intValue = std::strtoll(spelled.c_str(), nullptr, 10);
      t.floatValue = static_cast<double>(t.intValue);
    }
    if (errno == ERANGE) {
      t.kind = Tok::Error;
      t.stringValue = "number '" + spelled + "' is out of range";
    }
    return t;
  }
  if (c == '"') {
    advance();
    std::string value;
    while (pos < src.size() && peek() != '"' && peek() != '\n') {
      value += peek();
      advance();
    }
    if (peek() != '"') {
      Token t = make(Tok::Error, start, l, c0);
      t.stringValue = "unterminated string";
      return t;
    }
    advance();
    Token t = make(Tok::String, start, l, c0);
    t.stringValue = std::move(value);
    return t;
  }
  static const std::pair<const char *, Tok> twoChar[] = {
      {"->", Tok::Arrow},
      {"==", Tok::EqEq},
      {"!=", Tok::NotEq},
      {"<=", Tok::LessEq},
      {">=", Tok::GreaterEq}};
  for (auto [spelling, kind] : twoChar)
    if (c == spelling[0] && peek(1) == spelling[1]) {
      advance();
      advance();
      return make(kind, start, l, c0);
    }
  Tok kind;
  switch (c) {
  case '(':
    kind = Tok::LParen;
    break;
  case ')':
    kind = Tok::RParen;
    break;
  case '[':
    kind = Tok::LBracket;
    break;
  case ']':
    kind = Tok::RBracket;
    break;
  case '{':
    kind = Tok::LBrace;
    break;
  case '}':
    kind = Tok::RBrace;
    break;
  case ',':
    kind = Tok::Comma;
    break;
  case ':':
    kind = Tok::Colon;
    break;
  case '=':
    kind = Tok::Equal;
    break;
  case '.':
    kind = Tok::Dot;
    break;
  case '-':
    kind = Tok::Minus;
    break;
  case '+':
    kind = Tok::Plus;
    break;
  case '*':
    kind = Tok::Star;
    break;
  case '/':
    kind = Tok::Slash;
    break;
  case '<':
    kind = Tok::Less;
    break;
  case '>':
    kind = Tok::Greater;
    break;
  default: {
    advance();
    Token t = make(Tok::Error, start, l, c0);
    t.stringValue = std::isprint(static_cast<unsigned char>(c))
                        ? "unexpected character '" + std::string(1, c) + "'"
                        : "unexpected byte in the source";
    return t;
  }
  }
  advance();
  return make(kind, start, l, c0);
}
