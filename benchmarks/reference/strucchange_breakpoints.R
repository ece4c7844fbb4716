# Reference timings and optimal breaks of strucchange::breakpoints for the gaussian
# break-date benchmark (benchmarks/bench_gaussian.py) and its correctness test
# (tests/test_robust_gaussian_dp.py). Generates the series itself (the same formula and seed
# are re-created in Python from the CSV this script writes), fits y ~ t with 2 breaks
# (intercept and slope change at each: every coefficient breaks) and minimum segment h.
# Run from the repository root:  Rscript benchmarks/reference/strucchange_breakpoints.R
suppressMessages(library(strucchange))
out_dir <- "benchmarks/reference"
sizes <- c(120L, 240L, 480L, 960L)
h <- 3L
reps <- 3L
rows <- list()
for (n in sizes) {
  set.seed(n)
  t <- seq_len(n)
  mu <- 10 + 0.02 * t + 3 * (t > round(0.45 * n)) - 0.03 * pmax(t - round(0.7 * n), 0)
  y <- round(mu + rnorm(n, sd = 2), 6)  # 6 decimals: the CSV round-trips exactly
  write.csv(data.frame(t = t, y = sprintf("%.6f", y)),
            file.path(out_dir, sprintf("gaussian_series_n%d.csv", n)), row.names = FALSE,
            quote = FALSE)
  times <- numeric(reps)
  for (r in seq_len(reps)) {
    st <- system.time(bp <- breakpoints(y ~ t, h = h, breaks = 2))
    times[r] <- st[["elapsed"]]
  }
  b2 <- breakpoints(bp, breaks = 2)$breakpoints
  rss <- summary(bp)$RSS["RSS", "2"]
  rows[[length(rows) + 1]] <- data.frame(
    n = n, h = h, breaks = 2, bp1 = b2[1], bp2 = b2[2], rss = sprintf("%.10g", rss),
    elapsed_min_s = min(times), elapsed_median_s = median(times), reps = reps)
}
res <- do.call(rbind, rows)
meta <- sprintf("# %s; strucchange %s; %s; load %s", R.version.string,
                packageVersion("strucchange"), format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"),
                paste(readLines("/proc/loadavg", warn = FALSE), collapse = " "))
con <- file(file.path(out_dir, "strucchange_breakpoints.csv"), "w")
writeLines(meta, con)
write.csv(res, con, row.names = FALSE, quote = FALSE)
close(con)
print(res)
