/*
 * mc_macros.h - the MTA settings that send the milters the macros they read:
 * each MTA's own default list for a stage, plus what lib/milter/macros says
 * the milterkit milters read there (one table for the milters and for
 * milterkit-mc), without duplicates.
 */
#ifndef MK_MC_MACROS_H
#define MK_MC_MACROS_H

#include "core/str.h"
#include "milter/macros.h"

/* Postfix: the main.cf parameter of stage st ("milter_mail_macros"). */
const char *mc_macros_postfix_param(macros_stage st);
/* Postfix: appends the value for stage st (space-separated). */
void mc_macros_postfix(macros_stage st, str_t *out);

/* sendmail: the m4 name of stage st ("confMILTER_MACROS_ENVFROM"). */
const char *mc_macros_sendmail_name(macros_stage st);
/* sendmail: appends the value for stage st (", "-separated), or nothing
 * when neither sendmail nor the milters want macros there. */
void mc_macros_sendmail(macros_stage st, str_t *out);

#endif
