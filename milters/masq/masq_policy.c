/* masq_policy.c - the masquerading policy of one config; see masq_policy.h. */
#include "config.h"

#include "masq_policy.h"

#include "masq_settings.h"
#include "mem.h"

#include <strings.h>

struct masq_policy {
    const masq_settings *s;
};

int masq_policy_prepare(daemon_conf *c, str_t *errors)
{
    masq_policy *p = mem_zalloc(sizeof *p);

    p->s = c->part;
    c->runtime = p;
    return 0;
}

void masq_policy_release(daemon_conf *c)
{
    mem_free(&c->runtime);
}

bool masq_policy_wants_header(const masq_policy *p, const char *name)
{
    return cfg_strlist_contains(&p->s->headers, name, true) ||
           (p->s->recipients && cfg_strlist_contains(&p->s->recipient_headers, name, true));
}

masq_result masq_policy_header(const masq_policy *p, const char *value, size_t len, str_t *out,
                               const char **why)
{
    return MASQ_UNCHANGED;
}

masq_result masq_policy_envelope(const masq_policy *p, const char *sender, size_t len, str_t *out,
                                 const char **why)
{
    return MASQ_UNCHANGED;
}
