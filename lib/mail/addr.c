/*
 * addr.c - RFC 5322 address-list and RFC 5321 envelope address parser that
 * reports byte spans into the original value (see addr.h for the grammar
 * accepted).  A lexer skips CFWS and yields atoms, quoted strings, domain
 * literals and single-character specials; a small recursive-descent parser
 * over those tokens fills an addr_list.  No recursion depends on the input
 * (comment nesting is a counter), so stack use is constant.
 */
#include "config.h"

#include <string.h>

#include "mail/addr.h"
#include "core/mem.h"

enum tok_kind { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

typedef struct tok {
    enum tok_kind kind;
    char c; /* the character of a T_SPECIAL */
    size_t off, len;
} tok;

typedef struct lexer {
    const char *p;
    size_t end; /* index one past the last byte we may read */
    size_t pos;
    bool envelope; /* no whitespace, no comments */
    const char *err;
} lexer;

typedef struct parser {
    lexer lx;
    tok cur;
    addr_list *l;
    bool in_group;
    addr_span group;
} parser;

static bool is_atext(unsigned char c)
{
    if (c >= 0x80)
        return true; /* RFC 6532 UTF-8 */
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static int lex_fail(lexer *lx, const char *why)
{
    if (lx->err == NULL)
        lx->err = why;
    return -1;
}

/* Skips "\r\n", "\n" or "\r" at pos; a line break must be followed by WSP
 * unless it ends the value. */
static int lex_newline(lexer *lx)
{
    if (lx->p[lx->pos] == '\r' && lx->pos + 1 < lx->end && lx->p[lx->pos + 1] == '\n')
        lx->pos++;
    lx->pos++;
    if (lx->pos < lx->end && !is_wsp(lx->p[lx->pos]))
        return lex_fail(lx, "line break not followed by whitespace");
    return 0;
}

/* Scans a delimited run starting at pos (which holds open) up to close,
 * honouring backslash escapes; nest counts nested opens (comments only). */
static int lex_delimited(lexer *lx, char open, char close, bool nest, const char *unbalanced)
{
    unsigned long depth = 1;

    lx->pos++;
    while (lx->pos < lx->end) {
        char c = lx->p[lx->pos];

        if (c == '\0')
            return lex_fail(lx, "NUL byte");
        if (c == '\\') {
            if (lx->pos + 1 >= lx->end)
                break;
            if (lx->p[lx->pos + 1] == '\0')
                return lex_fail(lx, "NUL byte");
            lx->pos += 2;
            continue;
        }
        if ((c == '\r' || c == '\n') && !lx->envelope) {
            if (lex_newline(lx) < 0)
                return -1;
            continue;
        }
        lx->pos++;
        if (c == close && --depth == 0)
            return 0;
        if (c == open && nest)
            depth++;
        else if (c == open)
            return lex_fail(lx, unbalanced);
    }
    return lex_fail(lx, unbalanced);
}

static int lex_skip_cfws(lexer *lx)
{
    while (lx->pos < lx->end) {
        char c = lx->p[lx->pos];

        if (!is_wsp(c) && c != '\r' && c != '\n' && c != '(')
            return 0;
        if (lx->envelope)
            return lex_fail(lx, "whitespace or comment in envelope address");
        if (c == '(') {
            if (lex_delimited(lx, '(', ')', true, "unbalanced comment") < 0)
                return -1;
        } else if (c == '\r' || c == '\n') {
            if (lex_newline(lx) < 0)
                return -1;
        } else {
            lx->pos++;
        }
    }
    return 0;
}

static int lex_special(lexer *lx, tok *t, char c)
{
    switch (c) {
    case '<':
    case '>':
    case ':':
    case ';':
    case '@':
    case ',':
    case '.':
        t->kind = T_SPECIAL;
        t->c = c;
        lx->pos++;
        return 0;
    case ']':
        return lex_fail(lx, "unbalanced bracket");
    case ')':
        return lex_fail(lx, "unbalanced comment");
    case '\0':
        return lex_fail(lx, "NUL byte");
    case '\\':
        return lex_fail(lx, "backslash outside a quoted string");
    default:
        return lex_fail(lx, "invalid character");
    }
}

/* Reads the next token into *t.  Returns 0 or -1 (lx->err set). */
static int lex_next(lexer *lx, tok *t)
{
    if (lex_skip_cfws(lx) < 0)
        return -1;
    t->off = lx->pos;
    t->c = 0;
    if (lx->pos >= lx->end) {
        t->kind = T_END;
        t->len = 0;
        return 0;
    }
    char c = lx->p[lx->pos];
    if (is_atext((unsigned char)c)) {
        while (lx->pos < lx->end && is_atext((unsigned char)lx->p[lx->pos]))
            lx->pos++;
        t->kind = T_ATOM;
    } else if (c == '"') {
        if (lex_delimited(lx, '"', '"', false, "unbalanced quote") < 0)
            return -1;
        t->kind = T_QSTR;
    } else if (c == '[') {
        if (lex_delimited(lx, '[', ']', false, "unbalanced bracket") < 0)
            return -1;
        t->kind = T_DLIT;
    } else if (lex_special(lx, t, c) < 0) {
        return -1;
    }
    t->len = lx->pos - t->off;
    return 0;
}

static int advance(parser *ps)
{
    return lex_next(&ps->lx, &ps->cur);
}

static int fail(parser *ps, const char *why)
{
    return lex_fail(&ps->lx, why);
}

static bool is_special(const parser *ps, char c)
{
    return ps->cur.kind == T_SPECIAL && ps->cur.c == c;
}

static addr_span span_to(size_t start, size_t end)
{
    addr_span s = {start, end - start};
    return s;
}

/*
 * Reads words and dots (a phrase or a local part) into *span.  *words counts
 * atoms and quoted strings; *local_ok stays true when no two words are
 * adjacent without a dot between them (so the run can be a local part).
 */
static int parse_words(parser *ps, addr_span *span, size_t *words, bool *local_ok)
{
    size_t start = ps->cur.off, end = ps->cur.off;
    bool prev_word = false;

    *words = 0;
    *local_ok = true;
    while (ps->cur.kind == T_ATOM || ps->cur.kind == T_QSTR || is_special(ps, '.')) {
        bool word = ps->cur.kind != T_SPECIAL;

        if (word && prev_word)
            *local_ok = false;
        if (word)
            (*words)++;
        prev_word = word;
        end = ps->cur.off + ps->cur.len;
        if (advance(ps) < 0)
            return -1;
    }
    *span = span_to(start, end);
    return 0;
}

/* At the first token after "@": reads a dot-atom / obs-domain (one trailing
 * dot allowed) or a domain literal. */
static int parse_domain(parser *ps, addr_entry *e)
{
    size_t start = ps->cur.off, end;

    if (ps->cur.kind == T_DLIT) {
        e->domain = span_to(start, start + ps->cur.len);
        e->domain_literal = true;
        e->has_domain = true;
        return advance(ps);
    }
    if (ps->cur.kind != T_ATOM)
        return fail(ps, "missing domain");
    for (;;) {
        end = ps->cur.off + ps->cur.len;
        if (advance(ps) < 0)
            return -1;
        if (!is_special(ps, '.'))
            break;
        end = ps->cur.off + ps->cur.len;
        if (advance(ps) < 0)
            return -1;
        if (is_special(ps, '.'))
            return fail(ps, "empty domain label");
        if (ps->cur.kind != T_ATOM)
            break; /* one trailing dot */
    }
    e->domain = span_to(start, end);
    e->has_domain = true;
    return 0;
}

/* Reads local-part ["@" domain] at the current token. */
static int parse_addr_spec(parser *ps, addr_entry *e)
{
    size_t words;
    bool local_ok;

    if (parse_words(ps, &e->local, &words, &local_ok) < 0)
        return -1;
    if (words == 0)
        return fail(ps, "missing local part");
    if (!local_ok)
        return fail(ps,
                    is_special(ps, '@') ? "invalid local part" : "display name without address");
    if (is_special(ps, '@')) {
        if (advance(ps) < 0 || parse_domain(ps, e) < 0)
            return -1;
    }
    size_t end = e->has_domain ? e->domain.off + e->domain.len : e->local.off + e->local.len;
    e->addr_spec = span_to(e->local.off, end);
    return 0;
}

/* At "@" or "," inside "<": obs-route = obs-domain-list ":". */
static int parse_route(parser *ps, addr_entry *e)
{
    size_t start = ps->cur.off;
    size_t domains = 0;
    addr_entry scratch;

    for (;;) {
        if (is_special(ps, '@')) {
            memset(&scratch, 0, sizeof scratch);
            if (advance(ps) < 0 || parse_domain(ps, &scratch) < 0)
                return -1;
            domains++;
        } else if (is_special(ps, ',')) {
            if (advance(ps) < 0)
                return -1;
        } else if (is_special(ps, ':') && domains > 0) {
            e->route = span_to(start, ps->cur.off + 1);
            return advance(ps);
        } else {
            return fail(ps, "invalid route");
        }
    }
}

/* At "<": angle-addr, obs-angle-addr, or "<>". */
static int parse_angle(parser *ps, addr_entry *e)
{
    e->angle = true;
    if (advance(ps) < 0)
        return -1;
    if (is_special(ps, '>')) {
        e->is_null = true;
        e->local = span_to(ps->cur.off, ps->cur.off);
        e->addr_spec = e->local;
        return advance(ps);
    }
    if ((is_special(ps, '@') || is_special(ps, ',')) && parse_route(ps, e) < 0)
        return -1;
    if (parse_addr_spec(ps, e) < 0)
        return -1;
    if (ps->cur.kind == T_END)
        return fail(ps, "unbalanced angle bracket");
    if (!is_special(ps, '>'))
        return fail(ps, "expected '>'");
    return advance(ps);
}

static int push_entry(parser *ps, const addr_entry *e)
{
    addr_list *l = ps->l;

    if (l->n >= ADDR_MAX_ADDRESSES)
        return fail(ps, "too many addresses");
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = mem_realloc_array(l->v, l->cap, sizeof *l->v);
    }
    l->v[l->n++] = *e;
    return 0;
}

/* Starts a group at ":" whose name is *name. */
static int start_group(parser *ps, const addr_span *name, size_t words)
{
    if (ps->lx.envelope)
        return fail(ps, "group in envelope address");
    if (ps->in_group)
        return fail(ps, "nested group");
    if (words == 0)
        return fail(ps, "group without a name");
    ps->in_group = true;
    ps->group = *name;
    ps->l->groups++;
    return advance(ps);
}

/*
 * Parses one mailbox, or the start of a group, at the current token (which
 * is a word, a dot or "<").  Returns 1 after a group start, 0 after a
 * mailbox (stored in *e), -1 on error.
 */
static int parse_mailbox(parser *ps, addr_entry *e)
{
    tok start = ps->cur;
    lexer saved = ps->lx;
    addr_span phrase;
    size_t words;
    bool local_ok;

    memset(e, 0, sizeof *e);
    if (parse_words(ps, &phrase, &words, &local_ok) < 0)
        return -1;
    if (is_special(ps, ':'))
        return start_group(ps, &phrase, words) < 0 ? -1 : 1;
    if (is_special(ps, '<')) {
        if (ps->lx.envelope && words > 0)
            return fail(ps, "display name in envelope address");
        e->display = words > 0 ? phrase : span_to(ps->cur.off, ps->cur.off);
        return parse_angle(ps, e);
    }
    /* addr-spec: re-read the words as a local part */
    ps->cur = start;
    ps->lx = saved;
    return parse_addr_spec(ps, e);
}

static int parse_one_address(parser *ps)
{
    addr_entry e;
    int r = parse_mailbox(ps, &e);

    if (r != 0)
        return r < 0 ? -1 : 0;
    if (ps->in_group) {
        e.in_group = true;
        e.group = ps->group;
    }
    if (push_entry(ps, &e) < 0)
        return -1;
    if (ps->cur.kind != T_END && !is_special(ps, ',') && !is_special(ps, ';'))
        return fail(ps, ps->cur.kind == T_SPECIAL && ps->cur.c == '>'
                            ? "unbalanced angle bracket"
                            : "expected ',' after address");
    return 0;
}

static int parse_list_body(parser *ps)
{
    if (advance(ps) < 0)
        return -1;
    for (;;) {
        if (ps->cur.kind == T_END)
            return ps->in_group ? fail(ps, "unterminated group") : 0;
        if (is_special(ps, ',')) {
            if (advance(ps) < 0)
                return -1;
        } else if (is_special(ps, ';')) {
            if (!ps->in_group)
                return fail(ps, "';' outside a group");
            ps->in_group = false;
            if (advance(ps) < 0)
                return -1;
        } else if (ps->cur.kind == T_ATOM || ps->cur.kind == T_QSTR || is_special(ps, '.') ||
                   is_special(ps, '<')) {
            if (parse_one_address(ps) < 0)
                return -1;
        } else if (is_special(ps, '>')) {
            return fail(ps, "unbalanced angle bracket");
        } else {
            return fail(ps, "unexpected character");
        }
    }
}

static void parser_init(parser *ps, const char *p, size_t len, addr_list *l)
{
    memset(ps, 0, sizeof *ps);
    ps->lx.p = p;
    ps->lx.end = len;
    ps->l = l;
}

void addr_list_init(addr_list *l)
{
    memset(l, 0, sizeof *l);
}

void addr_list_free(addr_list *l)
{
    mem_free(&l->v);
    memset(l, 0, sizeof *l);
}

int addr_parse_list(const char *value, size_t len, addr_list *l, const char **error_r)
{
    parser ps;

    l->n = 0;
    l->groups = 0;
    if (len > ADDR_MAX_INPUT) {
        *error_r = "value too long";
        return -1;
    }
    parser_init(&ps, value, len, l);
    if (parse_list_body(&ps) < 0) {
        l->n = 0;
        l->groups = 0;
        *error_r = ps.lx.err;
        return -1;
    }
    return 0;
}

static int envelope_fail(const char **error_r, const char *why)
{
    *error_r = why;
    return -1;
}

int addr_parse_envelope(const char *addr, size_t len, addr_entry *e, const char **error_r)
{
    parser ps;
    addr_list none;
    size_t start = 0;

    if (len > ADDR_MAX_INPUT)
        return envelope_fail(error_r, "value too long");
    while (start < len && is_wsp(addr[start]))
        start++;
    while (len > start && is_wsp(addr[len - 1]))
        len--;
    if (start == len)
        return envelope_fail(error_r, "empty address");
    addr_list_init(&none);
    parser_init(&ps, addr, len, &none);
    ps.lx.envelope = true;
    ps.lx.pos = start;
    if (advance(&ps) < 0 || parse_mailbox(&ps, e) != 0)
        return envelope_fail(error_r, ps.lx.err ? ps.lx.err : "group in envelope address");
    if (ps.cur.kind != T_END)
        return envelope_fail(error_r, "trailing garbage after address");
    return 0;
}

int addr_from_domain(const char *value, size_t len, addr_span *domain, const char **error_r)
{
    addr_list l;
    int r = -1;

    addr_list_init(&l);
    if (addr_parse_list(value, len, &l, error_r) < 0)
        goto out;
    if (l.groups > 0)
        *error_r = "group in From";
    else if (l.n == 0)
        *error_r = "no mailbox in From";
    else if (l.n > 1)
        *error_r = "more than one mailbox in From";
    else if (l.v[0].is_null || !l.v[0].has_domain)
        *error_r = "no domain in From";
    else if (l.v[0].domain_literal)
        *error_r = "domain literal in From";
    else {
        *domain = l.v[0].domain;
        r = 0;
    }
out:
    addr_list_free(&l);
    return r;
}

/* Appends the tokens of value[span] without CFWS. */
static void copy_tokens(const char *value, addr_span span, str_t *out)
{
    lexer lx;
    tok t;

    memset(&lx, 0, sizeof lx);
    lx.p = value;
    lx.pos = span.off;
    lx.end = span.off + span.len;
    while (lex_next(&lx, &t) == 0 && t.kind != T_END)
        str_append(out, value + t.off, t.len);
}

void addr_copy_local(const char *value, const addr_entry *e, str_t *out)
{
    copy_tokens(value, e->local, out);
}

void addr_copy_domain(const char *value, const addr_entry *e, str_t *out)
{
    if (e->has_domain)
        copy_tokens(value, e->domain, out);
}
