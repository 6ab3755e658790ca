/* result.c - result rows from checks (see engine.h). */
#include "engine/engine.h"

#include <string.h>

void gr_result_init(gr_test_result *tr, const gr_check *ck)
{
    memset(tr, 0, sizeof *tr);
    tr->tr_name = ck->ck_name;
    tr->tr_step = ck->ck_step;
    tr->tr_kind = gr_kind_name(ck->ck_kind);
    tr->tr_max_score = ck->ck_points;
    tr->tr_status = GR_FAILED;
    tr->tr_hidden = (ck->ck_flags & GR_HIDDEN) != 0;
}

int gr_result_not_run(gr_test_result *tr, const gr_check *ck, const char *output)
{
    gr_result_init(tr, ck);
    tr->tr_output = strdup(output);
    return tr->tr_output != NULL ? 0 : -1;
}
