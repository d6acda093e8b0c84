/*
 * sockspec.h - a milter socket as libmilter names it: unix:PATH (or its
 * older spelling local:PATH), inet:PORT@HOST, inet6:PORT@HOST.  One
 * reading of the spelling for the daemons, milterkit-mc and milterkit-check.
 */
#ifndef MK_SOCKSPEC_H
#define MK_SOCKSPEC_H

/*
 * The path of a unix socket spec ("unix:/run/x.sock" or "local:/run/x.sock"
 * gives "/run/x.sock", a pointer into spec).  Returns NULL for any other
 * spec (inet, inet6, or no known prefix).
 */
const char *sockspec_unix_path(const char *spec);

#endif
