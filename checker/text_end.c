/*
 * checker/text_end.c — the last function of the race runtime's code (see
 * text_begin.c).
 */
__attribute__((noinline, used)) void gm_rt_text_end(void)
{
    __asm__ volatile("");
}
