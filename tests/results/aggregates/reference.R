# Reference MLE for ITS models with aggregate observations (trends issue 12), written
# independently of trends: R's own likelihood, optimised by optim (BFGS, analytic gradient)
# and polished by Newton steps on optimHess. Run from the repository root:
#   Rscript tests/results/aggregates/reference.R
# Reads {poisson,negbin}_monthly.csv (month, y with NA gaps) and _totals.csv (start, end,
# value); writes {family}_reference.csv (term, estimate) with 12 significant digits.
# Design: intercept, trend 1..n, level[a] (t >= 32), level[b] (t >= 35), slope[b] = max(t - 35, 0).
here <- "tests/results/aggregates"
fit_one <- function(family) {
  m <- read.csv(file.path(here, paste0(family, "_monthly.csv")), na.strings = "NA")
  tot <- read.csv(file.path(here, paste0(family, "_totals.csv")), colClasses = "character")
  n <- nrow(m); t <- seq_len(n)
  X <- cbind(intercept = 1, trend = t, "level[a]" = as.numeric(t >= 32),
             "level[b]" = as.numeric(t >= 35), "slope[b]" = pmax(t - 35, 0))
  obs <- !is.na(m$y)
  win <- lapply(seq_len(nrow(tot)), function(i) {
    rows <- which(m$month >= tot$start[i] & m$month <= tot$end[i])
    list(hid = rows[!obs[rows]], r = as.numeric(tot$value[i]) - sum(m$y[rows[obs[rows]]]))
  })
  win <- Filter(function(w) length(w$hid) > 0, win)
  k <- ncol(X)
  ll <- function(p) {
    mu <- exp(X %*% p[1:k])[, 1]
    if (family == "poisson") {
      v <- sum(dpois(m$y[obs], mu[obs], log = TRUE))
      for (w in win) v <- v + dpois(w$r, sum(mu[w$hid]), log = TRUE)
    } else {
      a <- exp(p[k + 1])
      v <- sum(dnbinom(m$y[obs], size = 1 / a, mu = mu[obs], log = TRUE))
      for (w in win) {  # mean M, variance M + a * sum(mu^2): size M^2 / (a sum(mu^2))
        M <- sum(mu[w$hid]); S <- sum(mu[w$hid]^2)
        v <- v + dnbinom(w$r, size = M^2 / (a * S), mu = M, log = TRUE)
      }
    }
    v
  }
  gr <- function(p) {  # central differences (R's numDeriv-free)
    h <- 1e-6 * pmax(1, abs(p))
    sapply(seq_along(p), function(j) {
      e <- replace(numeric(length(p)), j, h[j]); (ll(p + e) - ll(p - e)) / (2 * h[j])
    })
  }
  g0 <- glm(m$y[obs] ~ X[obs, ] - 1, family = poisson())
  p <- unname(coef(g0))
  if (family == "negbin") p <- c(p, log(0.05))
  o <- optim(p, function(q) -ll(q), function(q) -gr(q), method = "BFGS",
             control = list(reltol = 1e-15, maxit = 10000, parscale = pmax(abs(p), 0.01)))
  p <- o$par
  for (i in 1:20) {  # Newton polish
    H <- optimHess(p, ll, gr)
    step <- solve(H, gr(p))
    p <- p - step
    if (max(abs(step)) < 1e-11) break
  }
  names <- c(colnames(X), if (family == "negbin") "log_alpha")
  out <- data.frame(term = names, estimate = formatC(p, digits = 12, format = "g"))
  write.csv(out, file.path(here, paste0(family, "_reference.csv")), row.names = FALSE,
            quote = FALSE)
  cat(family, "llf", format(ll(p), digits = 12), "\n")
}
fit_one("poisson")
fit_one("negbin")
