# Reference for trends' calendar-time HAC (tests/test_calendar_hac.py).
# Run from this folder: Rscript make_reference.R  (needs sandwich and MASS; writes reference.csv)
# The series: 36 monthly counts, t = 1..36, missing months (NA) kept in the calendar.
suppressPackageStartupMessages({library(sandwich); library(MASS)})
y <- c(12, 25, NA, 6, 18, 9, NA, NA, 26, 14, 8, 22, 21, NA, 10, 28, 15, 25,
       45, 20, NA, 43, 19, 35, NA, NA, 51, 28, 34, 60, 26, NA, 42, 69, 35, 41)
t <- seq_along(y)
level <- as.numeric(t >= 19)
slope <- (t - 19) * level             # trends: 0 in the first period of the new regime
d <- data.frame(y, t, level, slope)
write.csv(d, "series.csv", row.names = FALSE, na = "")
obs <- !is.na(y)
pos <- t[obs]                      # calendar position of each used row
L <- 2

calendar_meat <- function(ef, pos, L) {
  # scores on the full calendar, zeros in missing periods; Bartlett weights 1 - l/(L+1)
  Z <- matrix(0, max(pos), ncol(ef)); Z[pos, ] <- ef
  S <- crossprod(Z)
  for (l in seq_len(L)) {
    G <- crossprod(Z[(l + 1):nrow(Z), , drop = FALSE], Z[1:(nrow(Z) - l), , drop = FALSE])
    S <- S + (1 - l / (L + 1)) * (G + t(G))
  }
  S
}

rows <- list()
add <- function(model, kind, V) {
  se <- sqrt(diag(V))
  rows[[length(rows) + 1]] <<- data.frame(model = model, kind = kind,
                                          term = c("intercept", "trend", "level", "slope"),
                                          std_error = se)
}
fits <- list(
  poisson = glm(y ~ t + level + slope, family = poisson, data = d[obs, ]),
  gaussian = lm(y ~ t + level + slope, data = d[obs, ]),
  negbin = glm.nb(y ~ t + level + slope, data = d[obs, ])
)
for (m in names(fits)) {
  f <- fits[[m]]
  n <- sum(obs)
  k <- length(coef(f))
  # row-time Newey-West, no prewhitening; adjust = TRUE is n / (n - k), k = regression coefs
  add(m, "row", NeweyWest(f, lag = L, prewhite = FALSE, adjust = FALSE))
  add(m, "row_adjust", NeweyWest(f, lag = L, prewhite = FALSE, adjust = TRUE))
  # calendar time by hand: sandwich's estfun and bread (theta held fixed for glm.nb)
  ef <- estfun(f)
  B <- bread(f) / n                # bread() is n * (inverse Hessian)
  V <- B %*% calendar_meat(ef, pos, L) %*% B
  add(m, "calendar", V)
  add(m, "calendar_adjust", V * n / (n - k))
  if (m == "negbin") cat("glm.nb theta =", f$theta, "\n")
}
out <- do.call(rbind, rows)
write.csv(out, "reference.csv", row.names = FALSE)
cat(R.version.string, "\nsandwich", as.character(packageVersion("sandwich")),
    "MASS", as.character(packageVersion("MASS")), "\n")
