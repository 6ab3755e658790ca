/* labs.c - the list of labs the grader knows. Add a lab here and in its own file. */
#include "engine/grader.h"

extern const gr_lab gr_lab01;
extern const gr_lab gr_lab02;
extern const gr_lab gr_lab03;
extern const gr_lab gr_lab04;
extern const gr_lab gr_lab05;
extern const gr_lab gr_lab06;
extern const gr_lab gr_lab07;
extern const gr_lab gr_lab08;
extern const gr_lab gr_lab09;
extern const gr_lab gr_lab10;

const gr_lab *const gr_labs[] = {
    &gr_lab01, &gr_lab02, &gr_lab03, &gr_lab04, &gr_lab05, &gr_lab06,
    &gr_lab07, &gr_lab08, &gr_lab09, &gr_lab10, NULL,
};
