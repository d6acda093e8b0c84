/* fuzz_access.c - libFuzzer target: the access-map parser and its lookups.
 * The input is the map text; its first line is also used as a client name
 * and as a sender/recipient address, so the lookups see hostile input too. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/access.h"
#include "core/cidr.h"
#include "core/mem.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const clients[] = {"192.168.212.9",    "10.1.2.3",        "127.0.0.1",     "::1",
                                      "2002:c0a8:2c7::1", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4"};
static const char *const names[] = {NULL, "a.b.example.com", "tld", "[1.2.3.4]", "x..y."};
static const char *const addresses[] = {
    "<>", "user+d@a.example", "@x", "u@[1.2.3.4]", "u@[IPv6:1::2]", "a@b@c", "<u@[>", "+@."};

static void lookups(const access_map *m, const char *line)
{
    access_result r;
    cidr_addr a;

    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        if (cidr_addr_parse(clients[i], &a) < 0)
            continue;
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++)
            access_lookup_connect(m, &a, names[j], &r);
        access_lookup_connect(m, &a, line, &r);
    }
    for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
        access_lookup_from(m, addresses[i], &r);
        access_lookup_to(m, addresses[i], &r);
    }
    access_lookup_from(m, line, &r);
    access_lookup_to(m, line, &r);
    if (cidr_addr_parse(line, &a) == 0)
        access_lookup_connect(m, &a, NULL, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    access_map *m = NULL;
    str_t why;
    const uint8_t *nl = memchr(data, '\n', size);
    char *line = mem_strndup((const char *)data, nl ? (size_t)(nl - data) : size);

    str_init(&why);
    if (access_parse("fuzz", (const char *)data, size, &m, &why) == 0) {
        lookups(m, line);
        access_free(&m);
    }
    str_free(&why);
    mem_free(&line);
    return 0;
}
