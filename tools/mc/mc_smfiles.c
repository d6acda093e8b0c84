/* mc_smfiles.c - authinfo, access, local-host-names, SASL; see mc_smfiles.h. */
#include "config.h"

#include "mc_smfiles.h"

#include "mc_file.h"
#include "mc_msg.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void join(str_t *out, const cfg_strlist *l, const char *sep)
{
    for (size_t i = 0; i < l->count; i++)
        str_printf(out, "%s%s", i ? sep : "", l->items[i]);
}

int mc_smfiles_authinfo(const mc_job *j, str_t *out)
{
    const mc_smarthost *h = &j->mta.smarthost;
    size_t n;
    unsigned char *b64;

    if (h->host == NULL || h->auth.user == NULL || j->password == NULL) {
        mc_error("mta.smarthost.auth: no credentials to write");
        return -1;
    }
    n = strlen(j->password);
    b64 = mem_alloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock(b64, (const unsigned char *)j->password, (int)n);
    mc_file_header(out, "# ", j->conf_path);
    str_append_cstr(out, "# The smart host's credentials (FEATURE(authinfo)); keep mode 0600.\n"
                         "# Rebuild the map: makemap hash authinfo < authinfo\n");
    str_printf(out, "AuthInfo:%s \"U:%s\" \"I:%s\" \"P=%s\" \"M:", h->host, h->auth.user,
               h->auth.user, (const char *)b64);
    join(out, &h->auth.mechanisms, " ");
    str_append_cstr(out, "\"\n");
    explicit_bzero(b64, strlen((const char *)b64));
    mem_free(&b64);
    return 0;
}

/* "192.168.0.0/16" -> "192.168"; "::1/128" -> "IPv6:::1"; NULL otherwise. */
static char *access_net(const char *net)
{
    const char *slash = strchr(net, '/');
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    size_t alen = slash ? (size_t)(slash - net) : strlen(net);
    long bits;
    char *end;
    str_t s;

    if (alen == 0 || alen >= sizeof addr)
        return NULL;
    memcpy(addr, net, alen);
    addr[alen] = '\0';
    errno = 0;
    bits = slash ? strtol(slash + 1, &end, 10) : -1;
    if (slash && (*end != '\0' || errno != 0 || slash[1] == '\0'))
        return NULL;
    str_init(&s);
    if (inet_pton(AF_INET, addr, bin) == 1) {
        if (bits < 0)
            bits = 32;
        if (bits % 8 != 0 || bits == 0 || bits > 32) {
            str_free(&s);
            return NULL;
        }
        for (long i = 0; i < bits / 8; i++)
            str_printf(&s, "%s%u", i ? "." : "", bin[i]);
        return str_steal(&s);
    }
    if (inet_pton(AF_INET6, addr, bin) == 1 && (bits < 0 || bits == 128)) {
        str_printf(&s, "IPv6:%s", addr);
        return str_steal(&s);
    }
    str_free(&s);
    return NULL;
}

void mc_smfiles_access(const mc_job *j, str_t *out)
{
    const cfg_strlist *nets = &j->site.internal_networks;

    mc_file_header(out, "# ", j->conf_path);
    str_append_cstr(out, "# sendmail's access map: makemap hash access < access\n"
                         "# Who may relay beyond this (AUTH, FCrDNS, access entries) is\n"
                         "# decided by milterkit-relay.\n"
                         "Connect:localhost RELAY\n");
    for (size_t i = 0; i < nets->count; i++) {
        char *n = access_net(nets->items[i]);

        if (n == NULL)
            mc_warn("site.internal_networks: %s: sendmail's access map matches whole "
                    "octets (/8, /16, /24, /32) and single IPv6 addresses only; not "
                    "written there (milterkit-relay still applies it)", nets->items[i]);
        else
            str_printf(out, "Connect:%s RELAY\n", n);
        mem_free(&n);
    }
    if (j->mta.smarthost.host != NULL)
        str_printf(out, "# Never talk to the smart host unencrypted.\nTLS_Srv:%s ENCR:112\n",
                   j->mta.smarthost.host);
}

void mc_smfiles_local_host_names(const mc_job *j, str_t *out)
{
    const cfg_strlist *l = &j->mta.local_host_names;

    mc_file_header(out, "# ", j->conf_path);
    str_append_cstr(out, "# Names this host receives mail for (local delivery).\n");
    if (l->count == 0)
        str_printf(out, "%s\n%s\n", j->site.domain, j->site.hostname);
    for (size_t i = 0; i < l->count; i++)
        str_printf(out, "%s\n", l->items[i]);
}
