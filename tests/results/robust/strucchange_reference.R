# Reference values for tests/test_robust_breaks.py, from R strucchange (Zeileis et al. 2002).
# Regenerate from the project root:
#   Rscript tests/results/robust/strucchange_reference.R ../shared/data/validation/nile.csv
# (R 4.2.2, strucchange 1.5-3 from Debian's r-cran-strucchange). Writes
# tests/results/robust/strucchange_reference.csv at 15 significant digits.
suppressMessages(library(strucchange))
args <- commandArgs(trailingOnly = TRUE)
nile <- read.csv(args[1])
sim <- read.csv("tests/results/robust/simulated_breaks.csv")
out <- data.frame(case = character(), quantity = character(), value = numeric())
add <- function(case, quantity, value) {
  out <<- rbind(out, data.frame(case = case, quantity = quantity, value = value))
}
# 1. Nile, breaks in the mean (Zeileis et al. 2002 example)
fs <- Fstats(nile$flow ~ 1)
st <- sctest(fs, type = "supF")
add("nile_mean", "supF", unname(st$statistic))
add("nile_mean", "p_value", st$p.value)
add("nile_mean", "breakpoint", fs$breakpoint)
add("nile_mean", "lambda", fs$par)
bp <- breakpoints(nile$flow ~ 1)
add("nile_mean", "bp_n_breaks", length(bp$breakpoints))
add("nile_mean", "bp_break_1", bp$breakpoints[1])
ci <- confint(bp)$confint
add("nile_mean", "ci_lower_1", ci[1, 1]); add("nile_mean", "ci_upper_1", ci[1, 3])
ci0 <- confint(bp, het.reg = FALSE, het.err = FALSE)$confint
add("nile_mean", "ci_hom_lower_1", ci0[1, 1]); add("nile_mean", "ci_hom_upper_1", ci0[1, 3])
add("nile_mean", "rss_1", bp$RSS(1, bp$breakpoints[1]) + bp$RSS(bp$breakpoints[1] + 1, length(nile$flow)))
# 2. simulated: intercept + trend, pure structural change
fs2 <- Fstats(y ~ t, data = sim)
st2 <- sctest(fs2, type = "supF")
add("sim_trend", "supF", unname(st2$statistic))
add("sim_trend", "p_value", st2$p.value)
add("sim_trend", "breakpoint", fs2$breakpoint)
add("sim_trend", "lambda", fs2$par)
# 3. simulated: two mean shifts with a covariate, fixed m = 2 with h = 15
bp3 <- breakpoints(y2 ~ x, data = sim, h = 15, breaks = 2)
b3 <- breakpoints(bp3, breaks = 2)$breakpoints
add("sim_two", "bp_break_1", b3[1]); add("sim_two", "bp_break_2", b3[2])
ci3 <- confint(bp3, breaks = 2)$confint
add("sim_two", "ci_lower_1", ci3[1, 1]); add("sim_two", "ci_upper_1", ci3[1, 3])
add("sim_two", "ci_lower_2", ci3[2, 1]); add("sim_two", "ci_upper_2", ci3[2, 3])
add("sim_two", "rss_2", deviance(lm(y2 ~ 0 + breakfactor(bp3, breaks = 2) / x, data = sim)))
bic <- summary(bp3)$RSS["BIC", ]
for (m in names(bic)) add("sim_two", paste0("bic_", m), bic[[m]])
# 4. p-value function at fixed points (k = 1..3, several lambdas)
for (k in 1:3) for (x in c(5, 9, 14)) for (lam in c(((1 - 0.15) / 0.15)^2, 10, 2)) {
  add("pvalue", sprintf("k%d_x%g_lam%.6f", k, x, lam),
      strucchange:::pvalue.Fstats(x, type = "supF", k = k, lambda = lam))
}
# 5. Bai (1997) argmax distribution at fixed points
for (x in c(-20, -5, -0.5, 0.5, 5, 20)) {
  add("pargmaxV", sprintf("x%g_sym", x), strucchange:::pargmaxV(x))
  add("pargmaxV", sprintf("x%g_het", x), strucchange:::pargmaxV(x, xi = 1.7, phi1 = 0.8, phi2 = 1.3))
}
write.csv(format(out, digits = 15), "tests/results/robust/strucchange_reference.csv", row.names = FALSE, quote = FALSE)
