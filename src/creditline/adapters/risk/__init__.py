"""Learned risk models (机器学习风控): fitting and scoring a gradient-boosted model."""
