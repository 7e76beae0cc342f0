/* tools/litmus_model.c — placeholder until the model enumerator lands (issue 8). */
#include <stdio.h>

#include "litmus.h"

int litmus_model_run(const lopts *o, const strvec *paths)
{
    (void)o;
    (void)paths;
    fprintf(stderr, "gomm litmus: --model is not built yet\n");
    return 2;
}
