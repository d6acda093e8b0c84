/*
 * access.h - sendmail's access map (access(5), FEATURE(`access_db')), read
 * from the text file that makemap would be fed, so an existing
 * /etc/mail/access works unchanged.
 *
 * Keys (left-hand side), with an optional tag "Connect:", "From:" or "To:"
 * (case-insensitive); untagged entries are the fallback of every lookup, as
 * in sendmail:
 *   192.168  10.1.2.3     IPv4 network by octets (a prefix of 8, 16, 24 or 32 bits)
 *   IPv6:2002:c0a8:2c7    IPv6 network by 16-bit groups (sendmail's uncompressed
 *                         form; leading zeros in a group are ignored)
 *   IPv6:2002:c0a8:51d2::23f4   one IPv6 address in compressed form: sendmail
 *                         8.15+ never matches such keys, we accept them
 *   10.0.0.0/12  IPv6:2001:db8::/32   CIDR prefixes (milterkit extension)
 *   [127.0.0.3]  [IPv6:1:2:3:4:5:6:7:8]   matched against the client's
 *                         "name" when it has no confirmed name, as sendmail
 *                         matches ${client_name} = "[address]"
 *   host.example.com  example.com   a host name and all names below it
 *   user@example.com  user@  @example.com (exact domain, milterkit extension)
 * Values (right-hand side, keyword case-insensitive): OK, RELAY, REJECT,
 * DISCARD, SKIP, ERROR:### text, ERROR:"### text", ERROR:D.S.N:### text,
 * ERROR:D.S.N:"### text", "### text" (deprecated), QUARANTINE:text, and
 * TEMPFAIL (milterkit extension: sendmail has no such value; it is the same
 * as ERROR:4.7.1:451 Temporary failure, try again later).  Reply codes must
 * be 4xx or 5xx; a D.S.N class must be 4 or 5.
 * Entries with sendmail's other tags (Spam:, GreetPause:, ClientRate:,
 * ClientConn:, Srv_Features:, Clt_Features:, TLS_Clt:, TLS_Srv:, TLS_Rcpt:,
 * Try_TLS:, AuthInfo:, ...) are accepted and ignored; an unknown tag, an
 * unknown value or a malformed address refuses the whole map (file:line).
 *
 * Lookup order is sendmail's (proto.m4 rulesets D, A, F, U, SearchList):
 * most specific key first, and at each step the tagged key before the
 * untagged one.  SKIP ends the search of that kind without a result.
 *
 * A loaded map is read-only: concurrent lookups from several threads are
 * safe.  Results point into the map and live as long as it does.
 */
#ifndef MK_ACCESS_H
#define MK_ACCESS_H

#include "core/cidr.h"
#include "core/str.h"

typedef enum access_action {
    ACCESS_NONE = 0,   /* no entry: the caller's default applies */
    ACCESS_OK,         /* accept (not relay) */
    ACCESS_RELAY,      /* accept and allow relaying */
    ACCESS_REJECT,     /* 550 5.7.1 Access denied */
    ACCESS_DISCARD,    /* accept and throw away */
    ACCESS_ERROR,      /* reply with code/dsn/text (4xx: temporary, 5xx: permanent) */
    ACCESS_TEMPFAIL,   /* 451 4.7.1 (milterkit's TEMPFAIL value) */
    ACCESS_QUARANTINE, /* quarantine the message; text is the reason */
} access_action;

typedef struct access_result {
    access_action action;
    const char *code; /* "550", "451", ...; NULL for NONE/OK/RELAY/DISCARD/QUARANTINE */
    const char *dsn;  /* "5.7.1" ...; when the entry gave none: "<code digit>.0.0" */
    const char *text; /* reply text or quarantine reason, "" when none */
    const char *key;  /* the key that matched, lower-cased as makemap folds it; NULL if none */
    unsigned line;    /* its line in the file; 0 if none */
} access_result;

typedef struct access_map access_map;

/*
 * Reads and checks the whole file.  Returns 0 and *out (free with
 * access_free), or -1 with "FILE:LINE: reason" appended to why and *out
 * NULL: one bad line refuses the map (on reload keep the old one).
 */
int access_load(const char *path, access_map **out, str_t *why);
/* The same from memory (name is used in messages); returns as access_load(). */
int access_parse(const char *name, const char *text, size_t len, access_map **out, str_t *why);

/*
 * The connection: first the client's name, if it was forward-confirmed
 * (confirmed_name, without trailing dot), and its parent domains; with no
 * confirmed name (NULL or ""), the bracketed forms "[a.b.c.d]" ... "[a]";
 * then, if that found nothing or SKIP, the address, most specific prefix
 * first.  Fills *r and returns r->action.
 */
access_action access_lookup_connect(const access_map *map, const cidr_addr *addr,
                                    const char *confirmed_name, access_result *r);

/*
 * The envelope sender / recipient ("user@domain", with or without <>, or
 * a bare "user"): user+detail@domain, user+*@domain, user@domain, then
 * user+detail@, user+*@, user@, then @domain (exact), then domain and its
 * parents (or a domain literal "[1.2.3.4]", "[1.2.3]" ...).  The null
 * sender "<>" finds nothing.  Fills *r and returns r->action.
 */
access_action access_lookup_from(const access_map *map, const char *address, access_result *r);
access_action access_lookup_to(const access_map *map, const char *address, access_result *r);

/* Entries the lookups use, and entries ignored (other sendmail tags). */
size_t access_count(const access_map *map);
size_t access_ignored(const access_map *map);

/* "NONE", "OK", "RELAY", ... for logs. */
const char *access_action_name(access_action a);

void access_free(access_map **map);

#endif
