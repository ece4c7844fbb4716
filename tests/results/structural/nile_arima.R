# Reference for tests/test_structural.py::test_nile_against_r_arima.
# The local level model with a level shift is the regression with ARIMA(0,1,1) errors
# (Harvey 1989, section 2.5): Delta y_t = beta Delta step_t + a_t + theta a_{t-1}, with
# sigma2_irregular = -theta sigma2_a and sigma2_level = (1 + theta)^2 sigma2_a.
# R's arima() estimates (theta, beta, sigma2_a) by exact maximum likelihood; beta is the GLS
# estimate at theta-hat, which the Kalman smoother must reproduce with the implied variances.
# Run from the repository root (base R only):
#   Rscript tests/results/structural/nile_arima.R ../shared/data/validation/nile.csv \
#       tests/results/structural/nile_arima.csv
args <- commandArgs(trailingOnly = TRUE)
nile <- read.csv(args[1])
step <- as.numeric(nile$year >= 1899)
fit <- arima(nile$flow, order = c(0, 1, 1), xreg = step, method = "ML")
theta <- unname(coef(fit)["ma1"])
out <- data.frame(
  quantity = c("theta", "beta", "beta_se", "sigma2_a", "sigma2_irregular", "sigma2_level",
               "loglik"),
  value = c(theta, unname(coef(fit)["step"]), sqrt(fit$var.coef["step", "step"]), fit$sigma2,
            -theta * fit$sigma2, (1 + theta)^2 * fit$sigma2, fit$loglik)
)
write.csv(out, args[2], row.names = FALSE)
cat(R.version.string, "\n")
